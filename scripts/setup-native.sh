#!/usr/bin/env bash
# npm run setup:native — the native TensorFlow backend for the kit, built from PyPI + npm only.
#
# @tensorflow/tfjs-node normally downloads a prebuilt libtensorflow (C API) from Google's
# storage at install time. This script builds it instead from what the ordinary package
# registries serve:
#   * TensorFlow's own PyPI wheel (tensorflow-cpu 2.x). It has no libtensorflow.so, but its
#     libtensorflow_cc.so.2 exports the complete C and eager C API the addon calls (TF_*, TFE_*,
#     symbol version "tensorflow"), next to libtensorflow_framework.so.2, and the wheel ships
#     the C headers under tensorflow/include;
#   * the @tensorflow/tfjs-node 4.22.0 tarball (npm pack), whose binding.gyp links
#     deps/lib/libtensorflow.so + libtensorflow_framework.so with rpath $ORIGIN/../../deps/lib;
#   * node-gyp (bundled with npm) and the Node headers of the installed Node (the Debian
#     nodejs package puts them in /usr/include/node; official tarballs in <prefix>/include/node),
#     so no header download either.
# The result is a complete @tensorflow/tfjs-node package. By default it replaces
# node_modules/@tensorflow/tfjs-node (which package.json's overrides alias to plain tfjs for
# danfojs-node), and `backend: auto` then picks it; `npm ci` undoes that, rerun the script.
#
# Usage: scripts/setup-native.sh [--out DIR]
#   --out DIR   build the package into DIR and leave node_modules alone
#               (then: npm run bench -- --native DIR)
# Environment: TF_WHEEL (a tensorflow-cpu wheel already downloaded), TF_VERSION (default 2.21.0),
#              NODE_HEADERS (a directory holding node_api.h), WORK (scratch dir, default a temp dir).
# Needs: python3 + pip, npm, a C++ compiler, make; about 2 GB of disk while building.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TF_VERSION="${TF_VERSION:-2.21.0}"
TFJS_NODE_VERSION=4.22.0
OUT=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) OUT="$(realpath -m "$2")"; shift 2 ;;
    -h|--help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "setup-native: unknown argument $1" >&2; exit 2 ;;
  esac
done
WORK="${WORK:-$(mktemp -d -t meit-native-XXXXXX)}"
say() { echo "setup-native: $*" >&2; }
die() { say "error: $*"; exit 1; }

# Node headers: what node-gyp would otherwise download.
NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
NODE_HEADERS="${NODE_HEADERS:-}"
for candidate in "$NODE_HEADERS" "$NODE_PREFIX/include/node" /usr/include/node /usr/local/include/node; do
  if [[ -n "$candidate" && -f "$candidate/node_api.h" && -f "$candidate/common.gypi" ]]; then NODE_HEADERS="$candidate"; break; fi
done
[[ -f "$NODE_HEADERS/node_api.h" ]] || die "no Node headers (node_api.h + common.gypi) found; install your distribution's nodejs headers or set NODE_HEADERS"
header_version="$(grep -E '#define NODE_(MAJOR|MINOR|PATCH)_VERSION' "$NODE_HEADERS/node_version.h" | awk '{print $3}' | paste -sd.)"
[[ "v$header_version" == "$(node --version)" ]] || say "warning: headers are for Node $header_version, running $(node --version)"
NODEDIR="$(dirname "$(dirname "$NODE_HEADERS")")"   # node-gyp wants the prefix that holds include/node
NODE_GYP="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
[[ -f "$NODE_GYP" ]] || die "node-gyp not found next to npm ($NODE_GYP)"

say "scratch directory $WORK"
cd "$WORK"

# 1. TensorFlow's shared libraries and C headers, from the PyPI wheel.
if [[ -z "${TF_WHEEL:-}" ]]; then
  say "downloading tensorflow-cpu==$TF_VERSION (about 270 MB)"
  python3 -m pip download --quiet --no-deps "tensorflow-cpu==$TF_VERSION" -d wheel
  TF_WHEEL="$(ls wheel/tensorflow_cpu-*.whl)"
fi
say "unpacking $(basename "$TF_WHEEL")"
python3 - "$TF_WHEEL" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for name in wheel.namelist():
        if name.startswith('tensorflow/include/') or name in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2'):
            wheel.extract(name, 'tf')
PY
readelf -W --dyn-syms tf/tensorflow/libtensorflow_cc.so.2 tf/tensorflow/libtensorflow_framework.so.2 >exported-symbols.txt
for symbol in TF_NewStatus TFE_NewContext TFE_Execute TF_Version; do
  grep -qE " DEFAULT +[0-9]+ $symbol(@|$)" exported-symbols.txt \
    || die "the wheel's libraries do not export $symbol: this TensorFlow version cannot back tfjs-node"
done

# 2. The tfjs-node package, with deps/ filled from the wheel.
say "fetching @tensorflow/tfjs-node@$TFJS_NODE_VERSION"
npm pack --silent "@tensorflow/tfjs-node@$TFJS_NODE_VERSION" >/dev/null
mkdir -p pkg && tar -xzf "tensorflow-tfjs-node-$TFJS_NODE_VERSION.tgz" -C pkg
PKG="$WORK/pkg/package"
mkdir -p "$PKG/deps/lib"
mv tf/tensorflow/include "$PKG/deps/include"
mv tf/tensorflow/libtensorflow_cc.so.2 tf/tensorflow/libtensorflow_framework.so.2 "$PKG/deps/lib/"
# binding.gyp links -ltensorflow -ltensorflow_framework; the C API lives in libtensorflow_cc.
ln -s libtensorflow_cc.so.2 "$PKG/deps/lib/libtensorflow.so"
ln -s libtensorflow_framework.so.2 "$PKG/deps/lib/libtensorflow_framework.so"

# 3. The addon. module_name/module_path normally come from node-pre-gyp (package.json "binary").
say "building the addon with node-gyp against $NODE_HEADERS"
(cd "$PKG" && node "$NODE_GYP" rebuild --nodedir="$NODEDIR" --module_name=tfjs_binding --module_path=lib/napi-v8 --napi_build_version=8 >"$WORK/node-gyp.log" 2>&1) \
  || { tail -20 "$WORK/node-gyp.log" >&2; die "node-gyp failed (full log: $WORK/node-gyp.log)"; }
mkdir -p "$PKG/lib/napi-v8"
cp "$PKG/build/Release/tfjs_binding.node" "$PKG/lib/napi-v8/"
rm -rf "$PKG/build"

# 4. Its runtime dependencies, but the project's own tfjs (one tfjs instance, one backend registry).
say "installing tfjs-node's runtime dependencies"
(cd "$PKG" && npm install --silent --omit=dev --ignore-scripts --no-package-lock --no-audit --no-fund >/dev/null)
rm -rf "$PKG/node_modules/@tensorflow" && mkdir -p "$PKG/node_modules/@tensorflow"
for dep in "$ROOT"/node_modules/@tensorflow/tfjs*; do
  name="$(basename "$dep")"
  [[ "$name" == tfjs-node* ]] || ln -s "$dep" "$PKG/node_modules/@tensorflow/$name"
done

# 5. Check that it loads and computes, then put it in place.
node -e "
  const tf = require('$ROOT/node_modules/@tensorflow/tfjs');
  require('$PKG');
  tf.setBackend('tensorflow').then((ok) => {
    if (!ok) throw new Error('no tensorflow backend');
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0];
    if (y !== 11) throw new Error('wrong result ' + y);
    console.log('setup-native: tensorflow backend works (TensorFlow ' + tf.backend().binding.TF_Version + ')');
  });
" >"$WORK/check.log" 2>&1 || { cat "$WORK/check.log" >&2; die "the built package does not work"; }
grep '^setup-native:' "$WORK/check.log" >&2

TARGET="${OUT:-$ROOT/node_modules/@tensorflow/tfjs-node}"
rm -rf "$TARGET.new" && mkdir -p "$(dirname "$TARGET")"
mv "$PKG" "$TARGET.new"
rm -rf "$TARGET" && mv "$TARGET.new" "$TARGET"
rm -rf "$WORK"
say "installed $TARGET"
[[ -n "$OUT" ]] && say "measure it with: npm run bench -- --native $TARGET"
exit 0
