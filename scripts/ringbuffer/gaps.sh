#!/bin/sh
# gaps.sh - a few processes 0.3 s apart: gaps longer than 2^27 ns give TIME_EXTEND entries
for i in 1 2 3 4 5 6; do /bin/true; sleep 0.3; done
