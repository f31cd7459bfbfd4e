"""The database side of scripts/bench.sh, through the driver (pymongo), timed here; prints milliseconds.

  bench_db.py scan URL            a bare projected scan of rocketchat_message (the rollup's fields {ts,
                                  rid, t, parent, u}, raw BSON, nothing decoded) in 30-day ts ranges, newest
                                  first, then everything older than four empty years at once (one read of
                                  every document would make SecantusDB hold the whole result in memory):
                                  "<ms> <documents>"
  bench_db.py count URL PIPELINE  the bare count of the ts range of PIPELINE's first $match: "<ms> <n>"
  bench_db.py run URL PIPELINE    PIPELINE ({"collection", "pipeline"}, extended JSON as printed by
                                  `rc-analytics pipeline`) run as it is: "<ms> <rows>"
  bench_db.py get ADDR PATH UID TOKEN  the service answering PATH on a connection already open (as the
                                  driver's are, and a browser's), the caller's login already checked (one
                                  request before the timed one: for an answer that is never cached, it
                                  warms the guard's cache only): "<ms> <status>"
"""
import datetime
import http.client
import sys
import time

from bson import json_util
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient


def db(url):
    return MongoClient(url, document_class=RawBSONDocument)["rocketchat"]


def timed(f):
    started = time.perf_counter()
    n = f()
    return f"{(time.perf_counter() - started) * 1000:.1f} {n}"


def scan(coll):
    projection = {"_id": 0, "ts": 1, "rid": 1, "t": 1, "parent": 1, "u": 1}
    read = lambda ts: sum(1 for _ in coll.find({"ts": ts}, projection, batch_size=10_000))
    hi = datetime.datetime.now(datetime.timezone.utc)
    n, empty = 0, 0
    while empty < 49:
        lo = hi - datetime.timedelta(days=30)
        k = read({"$gte": lo, "$lt": hi})
        n, empty, hi = n + k, 0 if k else empty + 1, lo
    return n + read({"$lt": hi})


def get(addr, path, uid, token):
    host, port = addr.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port))
    headers = {"X-User-Id": uid, "X-Auth-Token": token}
    conn.request("GET", path, headers=headers)
    conn.getresponse().read()
    started = time.perf_counter()
    conn.request("GET", path, headers=headers)
    res = conn.getresponse()
    res.read()
    return f"{(time.perf_counter() - started) * 1000:.1f} {res.status}"


def main(cmd, url, spec=None, *auth):
    if cmd == "get":
        return get(url, spec, *auth)
    database = db(url)
    if cmd == "scan":
        return timed(lambda: scan(database["rocketchat_message"]))
    spec = json_util.loads(spec)
    coll = database[spec["collection"]]
    if cmd == "count":
        ts = spec["pipeline"][0]["$match"]["ts"]
        return timed(lambda: coll.count_documents({"ts": ts}))
    if cmd == "run":
        return timed(lambda: len(list(coll.aggregate(spec["pipeline"], allowDiskUse=True))))
    raise SystemExit(__doc__)


if __name__ == "__main__":
    print(main(*sys.argv[1:]))
