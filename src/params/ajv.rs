//! ajv-style validation of a query object, with the messages Rocket.Chat's ajv instance gives
//! (`packages/rest-typings/src/v1/Ajv.ts`: draft 2020, `coerceTypes: true`, no `allErrors`, so only the
//! first failure is reported).
//!
//! Keyword order, from ajv v8's code generator: keywords run by vocabulary, and the validation
//! vocabulary (`required`) comes before the applicator vocabulary, in which `additionalProperties` comes
//! before `properties` (`lib/vocabularies/applicator/index.ts`). Hence:
//! 1. `required`, in schema order: `must have required property '<key>'`;
//! 2. `additionalProperties: false`, first unknown key of the object: `must NOT have additional properties`;
//! 3. `properties` with `type: 'string'`, in schema order: `must be string` (with `coerceTypes: true`
//!    numbers/booleans would be coerced, but qs only yields strings, arrays and objects, and arrays or
//!    objects are never coerced to a string).
//!
//! Failures become `Meteor.Error('invalid-params', message)`: 400 with `errorType: 'invalid-params'`.

use super::query::Query;
use crate::error::ApiError;

/// Keys qs drops instead of assigning (`allowPrototypes: false`): they shadow `Object.prototype`, so
/// they never reach ajv.
const PROTOTYPE_KEYS: [&str; 12] = [
    "__proto__",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
    "constructor",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "toString",
    "valueOf",
];

/// `{type: 'object', properties: {<p>: {type: 'string'}…}, required: […], additionalProperties: false}`,
/// plus our documented extensions: keys accepted although the schema does not list them, whose values
/// their own parsers check.
#[derive(Clone, Copy, Debug)]
pub(crate) struct StringObjectSchema<'a> {
    pub(crate) properties: &'a [&'a str],
    pub(crate) required: &'a [&'a str],
    pub(crate) extensions: &'a [&'a str],
}

impl StringObjectSchema<'_> {
    pub(crate) fn validate(&self, query: &Query) -> Result<(), ApiError> {
        let present = |key: &str| query.get(key).is_some() && !PROTOTYPE_KEYS.contains(&key);
        if let Some(missing) = self.required.iter().find(|k| !present(k)) {
            return Err(ApiError::InvalidParams(format!(
                "must have required property '{missing}'"
            )));
        }
        let known = |key: &str| {
            self.properties.contains(&key) || self.extensions.contains(&key) || PROTOTYPE_KEYS.contains(&key)
        };
        if query.keys().any(|k| !known(k)) {
            return Err(ApiError::InvalidParams("must NOT have additional properties".into()));
        }
        for key in self.properties {
            if query.get(key).is_some_and(|v| v.as_str().is_none()) {
                return Err(ApiError::InvalidParams("must be string".into()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: StringObjectSchema = StringObjectSchema {
        properties: &["start", "end", "sort"],
        required: &["start", "end"],
        extensions: &["tz"],
    };

    fn run(raw: &str) -> Result<(), String> {
        SCHEMA.validate(&Query::parse(raw).unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn keyword_order_required_additional_type() {
        let required = |k: &str| format!("must have required property '{k}' [invalid-params]");
        let additional = "must NOT have additional properties [invalid-params]";
        let string = "must be string [invalid-params]";
        assert_eq!(run("").unwrap_err(), required("start"));
        assert_eq!(run("end=1&foo=2").unwrap_err(), required("start"));
        assert_eq!(run("start=1").unwrap_err(), required("end"));
        assert_eq!(run("start[]=1&foo=1").unwrap_err(), required("end"));
        assert_eq!(run("start=1&end=2&count=3").unwrap_err(), additional);
        assert_eq!(run("start=1&start=2&end=2&_=3").unwrap_err(), additional);
        assert_eq!(run("start=1&end=2&end=3").unwrap_err(), string);
        assert_eq!(run("start[a]=1&end=2").unwrap_err(), string);
        assert_eq!(run("start=1&end=2&sort=a&sort=b").unwrap_err(), string);
        assert_eq!(run("start=&end=&sort=&tz=x"), Ok(()));
        // qs drops keys that shadow Object.prototype.
        assert_eq!(run("start=1&end=2&toString=1&__proto__=x"), Ok(()));
        assert_eq!(run("toString=1&end=2").unwrap_err(), required("start"));
    }
}
