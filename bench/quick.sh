#!/usr/bin/env bash
# quick.sh CORPUS OUT : run thresher on a crawlgen corpus and print the score's headline figures
set -e
rm -rf "$2"
python3 -c "
import sys, thresher
s = thresher.run([sys.argv[1] + '/docs.jsonl'], sys.argv[2], thresher.RunConfig(workers=2, shard_pages=2500))
print('pages/s', s.pages_per_second, s.stage_seconds)
" "$1" "$2"
python3 "$(dirname "$0")/../../shared/bench/score.py" "$1" "$2/pages.parquet" | python3 -c "
import json, sys
r = json.load(sys.stdin); d = r['dup']; c = r['content']
print('dup f1 %.4f p %.4f r %.4f merges %d' % (d['f1'], d['precision'], d['recall'], d['false_merge_clusters']), d['recall_by_kind'])
print('content f1 %.4f p %.4f r %.4f exact %.4f' % (c['f1'], c['precision'], c['recall'], c['exact']), {k: v['exact'] for k, v in c['by_kind'].items()})
"
