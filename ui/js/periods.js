// periods
