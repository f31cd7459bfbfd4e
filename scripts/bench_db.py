"""The database side of scripts/bench.sh, through the driver (pymongo), timed here; prints milliseconds.

  bench_db.py scan URL            a bare projected scan of rocketchat_message ({ts, rid, t, parent}, raw
                                  BSON, nothing decoded): "<ms> <documents>"
  bench_db.py count URL PIPELINE  the bare count of the ts range of PIPELINE's first $match: "<ms> <n>"
  bench_db.py run URL PIPELINE    PIPELINE ({"collection", "pipeline"}, extended JSON as printed by
                                  `rc-analytics pipeline`) run as it is: "<ms> <rows>"
"""
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


def main(cmd, url, spec=None):
    database = db(url)
    if cmd == "scan":
        projection = {"_id": 0, "ts": 1, "rid": 1, "t": 1, "parent": 1}
        cursor = database["rocketchat_message"].find({}, projection, batch_size=10_000)
        return timed(lambda: sum(1 for _ in cursor))
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
