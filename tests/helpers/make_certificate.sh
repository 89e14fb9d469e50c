#!/bin/sh
# make_certificate.sh NAME VALIDITY DOMAIN... : a self-signed certificate NAME.crt and its key
# NAME.key (P-256, no passphrase) in the current directory, naming each DOMAIN (the first as
# its common name). VALIDITY: a number of days from now, or `expired` (January 2020).
set -eu
name=$1 validity=$2
shift 2
sans=""
for d in "$@"; do sans="${sans:+$sans,}DNS:$d"; done
if [ "$validity" != expired ]; then
  exec openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$name.key" -out "$name.crt" -days "$validity" -subj "/CN=$1" \
    -addext "subjectAltName=$sans" 2>/dev/null
fi
# openssl req cannot date a certificate in the past; openssl ca can.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf '[ca]\ndefault_ca = c\n[c]\ndatabase = %s/index\nnew_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\nunique_subject = no\n[p]\ncommonName = supplied\n' \
  "$dir" "$dir" "$dir" >"$dir/ca.cnf"
: >"$dir/index"
echo 01 >"$dir/serial"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$name.key" \
  -subj "/CN=$1" -addext "subjectAltName=$sans" -out "$dir/req.csr" 2>/dev/null
openssl ca -batch -config "$dir/ca.cnf" -selfsign -keyfile "$name.key" -in "$dir/req.csr" \
  -startdate 20200101000000Z -enddate 20200201000000Z -out "$name.crt" >/dev/null 2>&1
