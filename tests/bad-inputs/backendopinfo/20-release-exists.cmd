$BIN/opinfo-db check --format backendopinfo --release 2.44 {}
