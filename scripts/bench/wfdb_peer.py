"""wfdb-python side of `npm run bench` (the kit's side: scripts/bench/kit-worker.ts).

decode: wfdb.rdrecord of every record (header + signal files → physical float64 signals),
        the same records the kit decodes.
prepare: the signal half of `meit data prepare` on a PTB-XL-layout root, as a Python user
        would write it with wfdb-python: for every row of ptbxl_database.csv, wfdb.rdsamp of its
        records100 file, NaN → 0, cut/zero-pad to `seconds`, appended as float32 to one file.
        (The kit's prepare does more: report rendering, splits, global min–max, shards with
        hashes and a manifest; its records/s is therefore a conservative comparison.)
"""
import csv
import os
import tempfile
import time

import numpy as np
import wfdb

from peer_protocol import serve


def init(r):
    return {'wfdb': wfdb.__version__, 'numpy': np.__version__}


def decode(r):
    start = time.perf_counter()
    samples = 0
    for path in r['records']:
        record = wfdb.rdrecord(path)
        samples += record.p_signal.size
    return {'seconds': time.perf_counter() - start, 'samples': samples}


def prepare(r):
    root = r['root']
    start = time.perf_counter()
    with open(os.path.join(root, 'ptbxl_database.csv'), newline='') as f:
        files = [row['filename_lr'] for row in csv.DictReader(f)]
    count = 0
    with tempfile.NamedTemporaryFile(suffix='.f32', dir=r.get('tmp')) as out:
        for name in files:
            signal, fields = wfdb.rdsamp(os.path.join(root, name))
            length = int(r['seconds'] * fields['fs'])
            fixed = np.zeros((length, signal.shape[1]), dtype=np.float32)
            n = min(length, signal.shape[0])
            fixed[:n] = np.nan_to_num(signal[:n], nan=0.0)
            out.write(np.ascontiguousarray(fixed.T).tobytes())  # [lead][sample], as the kit's shards
            count += 1
    return {'seconds': time.perf_counter() - start, 'records': count}


if __name__ == '__main__':
    serve({'init': init, 'decode': decode, 'prepare': prepare})
