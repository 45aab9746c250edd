#!/bin/sh
# burst.sh - a short burst of scheduler events (300 fork/exec/exit), to overflow tiny buffers
i=0
while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done
