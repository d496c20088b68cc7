#!/bin/sh
# Fuzzes every file reader with 10,000 mutated inputs each (or $1): safetensors, NPY, IDX,
# gzip, CSV and the --config YAML reader. Each input must be read or refused with one
# line; a crash fails the run. The inputs are fixed by seeds, so two runs try the same ones.
#
#   Tests/fuzz/run-fuzz.sh          # 10,000 per reader (the YAML reader runs the binary
#                                   # once per input: about 10 minutes on 2 cores)
#   Tests/fuzz/run-fuzz.sh 500      # a quicker pass
#
# The suite runs the same tests with fewer inputs (2,000 per data reader, 3,000
# safetensors, 100 YAML files).
set -eu
cd "$(dirname "$0")/../.."
count="${1:-10000}"
swift build -c release --build-tests 2>&1 | grep -E "error|warning" || true
SWIFT_DDP_FUZZ_COUNT="$count" swift test -c release --skip-build \
    --filter 'ReaderFuzzTests|SafeTensorsFuzzTests|ConfigurationFuzzTests' > /tmp/swift-ddp-fuzz.log 2>&1 && status=0 || status=$?
grep -E '^fuzz |✘' /tmp/swift-ddp-fuzz.log | sort | uniq
tail -1 /tmp/swift-ddp-fuzz.log
exit "$status"
