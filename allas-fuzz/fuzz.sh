#!/usr/bin/env bash
# Fuzzes each target in turn (Jazzer: 5 minutes each, the @FuzzTest default), then copies what
# the fuzzer found into the committed inputs, which every build replays (regression mode).
# A finding fails its run and leaves a reproducer in src/test/resources/.../<Test>Inputs/<method>/;
# turn it into a fix and keep the input.
#
#   allas-fuzz/fuzz.sh                                  every target
#   allas-fuzz/fuzz.sh 'ClientBytesFuzzTest#messagesAfterLoginAreDecodedOrRefused'   one
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(
        'ClientBytesFuzzTest#startupPacketsAreDecodedOrRefused'
        'ClientBytesFuzzTest#messagesAfterLoginAreDecodedOrRefused'
        'ProxyHeaderFuzzTest#proxyHeadersAreReadOrRefused'
        'StatementParserFuzzTest#queryTextIsParsedOrRefused'
        'ConfigFileFuzzTest#configurationIsLoadedOrRefusedWithItsProblemNamed'
        'ScramMessagesFuzzTest#clientMessagesAreAnsweredOrRefused'
        'ScramMessagesFuzzTest#configuredVerifiersAreReadOrNotRecognised'
    )
fi
for target in "${targets[@]}"; do
    echo "fuzzing $target"
    JAZZER_FUZZ=1 ./mvnw -B -q test -pl allas-fuzz -am -Dtest="$target" -Dsurefire.failIfNoSpecifiedTests=false
done
# The generated corpus (allas-fuzz/.cifuzz-corpus/<class>/<method>/) becomes regression inputs.
for generated in allas-fuzz/.cifuzz-corpus/*/*/; do
    class=$(basename "$(dirname "$generated")")
    method=$(basename "$generated")
    inputs="allas-fuzz/src/test/resources/$(dirname "${class//.//}")/$(basename "${class//.//}")Inputs/$method"
    mkdir -p "$inputs"
    cp -n "$generated"* "$inputs"/ 2>/dev/null || true
done
echo "inputs updated under allas-fuzz/src/test/resources; commit them"
