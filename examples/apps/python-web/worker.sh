#!/usr/bin/env bash
# A worker that does a unit of "work" every few seconds and stops cleanly on SIGTERM.
trap 'echo "worker: got SIGTERM, finishing up"; exit 0' TERM
n=0
while true; do
  n=$((n + 1))
  echo "worker: processed job $n"
  sleep 5 &
  wait $!
done
