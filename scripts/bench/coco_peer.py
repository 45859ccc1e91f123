"""pycocoevalcap side of `npm run bench`: scripts/fixtures/metrics_reference.py --bench, as a
peer. It generates the ECG-report pairs (written as the JSONL files the kit then scores),
times pycocoevalcap's COCOEvalCap pipeline on them (Stanford PTBTokenizer jar, Bleu, Meteor
1.5 jar, Rouge, Cider) and returns its scores for the equality check. Its Java subprocesses'
memory shows up in the "memory" reply as childrenPeakRssMb."""
import json
import os
import sys

from peer_protocol import serve

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures'))
import metrics_reference  # noqa: E402  (the committed generator of the metric fixtures)


def init(r):
    import pycocoevalcap  # noqa: F401  (fails early when missing)
    return {'pycocoevalcap': '1.2'}


def score(r):
    metrics_reference.bench(r['pairs'], r['out'])
    with open(os.path.join(r['out'], 'pycocoevalcap.json')) as f:
        result = json.load(f)
    return {'seconds': result['seconds'], 'pairs': result['pairs'], 'scores': result['scores'],
            'predictions': os.path.join(r['out'], 'predictions.jsonl'),
            'references': os.path.join(r['out'], 'references.jsonl')}


if __name__ == '__main__':
    serve({'init': init, 'score': score})
