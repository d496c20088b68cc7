# Shared by launch/swift-ddp and launch/test: find the project, install what is missing,
# build the release binary when it is missing or older than the sources.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEBIAN_PACKAGES=(libopenmpi-dev openmpi-bin libopenblas-dev zlib1g-dev pkg-config dataset-fashion-mnist fortunes iproute2)
FASHION_MNIST=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
FORTUNES=/usr/share/games/fortunes/fortunes

say() { printf '%s\n' "$*" >&2; }

# Open MPI and OpenBLAS through pkg-config, mpirun itself, the Fashion-MNIST files, the
# fortunes text, and ip and tc for the simulated cluster (launch/cluster).
ensure_system_packages() {
    if command -v mpirun >/dev/null 2>&1 && pkg-config --exists ompi-c openblas zlib 2>/dev/null &&
        command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 &&
        [ -f "$FASHION_MNIST" ] && [ -f "$FORTUNES" ]; then
        return 0
    fi
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "swift-ddp: installing ${DEBIAN_PACKAGES[*]} ..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null && apt-get install -y -qq "${DEBIAN_PACKAGES[@]}" >/dev/null || {
            say "swift-ddp: could not install the packages; run: apt-get install -y ${DEBIAN_PACKAGES[*]}"
            exit 1
        }
    else
        say "swift-ddp: Open MPI, OpenBLAS, Fashion-MNIST or the fortunes text is missing. Install them first:"
        say "    sudo apt-get install -y ${DEBIAN_PACKAGES[*]}"
        exit 1
    fi
}

command -v swift >/dev/null 2>&1 || {
    say "swift-ddp: no Swift toolchain on PATH; install Swift 6 from swift.org first."
    exit 1
}

BINARY="$ROOT/.build/release/swift-ddp"

# The one build configuration of the package: release, tests included. The launcher and
# the tests share it, so neither rebuilds what the other built and a rerun is incremental.
build_release() {
    (cd "$ROOT" && swift build -c release --build-tests >&2) || { say "swift-ddp: build failed"; exit 1; }
}

# Rebuilds when the binary is missing or any source or manifest is newer than it.
ensure_release_build() {
    if [ -x "$BINARY" ] && [ -z "$(find "$ROOT/Sources" "$ROOT/Package.swift" -newer "$BINARY" -print -quit)" ]; then
        return 0
    fi
    say "swift-ddp: building the release binary ..."
    build_release
}

# A process started from inside an MPI job inherits variables that make a new mpirun
# exit silently; a launcher must start clean.
clean_mpi_environment() {
    local name
    for name in $(env | sed -n 's/^\(OMPI_[A-Za-z0-9_]*\|PMIX_[A-Za-z0-9_]*\|OPAL_[A-Za-z0-9_]*\)=.*/\1/p'); do
        unset "$name"
    done
}
