"""PyTorch + transformers side of `npm run bench` (see scripts/bench/kit-worker.ts for the kit's).

The orchestrator sends the HF config.json that lib/model/hf-export.ts made from the kit's
DecoderConfig, so both sides run the identical architecture, batch and sequence length.

train: forward on a [B, T] batch of random tokens, mean next-token cross-entropy over all
B·(T−1) positions (transformers' labels=ids), backward, one torch.optim.AdamW step (lr 2e-5,
no weight decay) of every weight. Dropout is off (eval mode), as the kit's decoder has none.
generate: model.generate, greedy, KV cache, exactly N new tokens per row (no EOS).
"""
import os
import time

import torch
import transformers

from peer_protocol import serve

_models = {}


def model_for(request, key):
    cache_key = (key, request['preset'])
    if cache_key not in _models:
        hf = dict(request['config'])
        model_type = hf.pop('model_type')
        config = transformers.AutoConfig.for_model(model_type, **hf)
        torch.manual_seed(0)
        model = transformers.AutoModelForCausalLM.from_config(config).float().eval()
        _models[cache_key] = model
    return _models[cache_key]


_train_state = {}


def train(r):
    model = model_for(r, 'train')
    key = (r['preset'], r['batch'], r['seq'])
    if key not in _train_state:
        g = torch.Generator().manual_seed(1)
        ids = torch.randint(1, model.config.vocab_size, (r['batch'], r['seq']), generator=g)
        optimizer = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.0)
        _train_state[key] = (ids, optimizer)
    ids, optimizer = _train_state[key]

    def step():
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        value = loss.item()
        if not torch.isfinite(torch.tensor(value)):
            raise ValueError(f'non-finite loss {value}')
        return (time.perf_counter() - start) * 1000

    for _ in range(r.get('warmup', 0)):
        step()
    return {'ms': [step() for _ in range(r.get('steps', 1))], 'attention': model.config._attn_implementation}


def generate(r):
    model = model_for(r, 'generate')
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(1, model.config.vocab_size, (r['batch'], r['prompt']), generator=g)
    mask = torch.ones_like(ids)

    def run(new_tokens):
        with torch.no_grad():
            start = time.perf_counter()
            out = model.generate(
                input_ids=ids, attention_mask=mask, max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                do_sample=False, num_beams=1, use_cache=True, pad_token_id=0, eos_token_id=None,
            )
            seconds = time.perf_counter() - start
        if out.shape[1] != r['prompt'] + new_tokens:
            raise ValueError(f'generated {out.shape[1] - r["prompt"]} tokens, not {new_tokens}')
        return seconds

    if r.get('warmup'):
        run(4)
    seconds = run(r['newTokens'])
    return {'seconds': seconds, 'tokens': r['batch'] * r['newTokens']}


def init(r):
    threads = r.get('threads')
    if threads:
        torch.set_num_threads(int(threads))
    transformers.logging.set_verbosity_error()
    return {'torch': torch.__version__, 'transformers': transformers.__version__, 'threads': torch.get_num_threads(),
            'mkldnn': torch.backends.mkldnn.is_available(), 'cpu_capability': torch.backends.cpu.get_cpu_capability()}


def release(r):
    for key in [k for k in _models if k[1] == r['preset']]:
        del _models[key]
    for key in [k for k in _train_state if k[0] == r['preset']]:
        del _train_state[key]
    return {}


if __name__ == '__main__':
    os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
    serve({'init': init, 'train': train, 'generate': generate, 'release': release})
