$BIN/opinfo-check {}
