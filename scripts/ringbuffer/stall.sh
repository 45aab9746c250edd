#!/bin/sh
# stall.sh - run under "trace-cmd record": stops trace-cmd's per-CPU readers (this script's
# siblings) during three short bursts, so that tiny ring buffers overflow in the middle of the
# trace and later pages report lost events.
R=$(pgrep -P $PPID | grep -v "^$$\$")
for round in 1 2 3; do
	kill -STOP $R
	i=0
	while [ $i -lt 40 ]; do /bin/true; i=$((i+1)); done
	kill -CONT $R
	sleep 0.3
done
