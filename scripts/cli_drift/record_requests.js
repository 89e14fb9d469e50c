// Preloaded into the heroku CLI by scripts/cli_drift/heroku: appends each HTTP request the
// CLI makes (method, path, body) to $LOKKU_CLI_DRIFT_REQUESTS, one JSON object per line.
'use strict'
const fs = require('fs')
const http = require('http')
const https = require('https')

const file = process.env.LOKKU_CLI_DRIFT_REQUESTS

function wrap(mod) {
  const request = mod.request
  mod.request = function (...args) {
    const req = request.apply(this, args)
    let body = ''
    const write = req.write
    req.write = function (chunk, ...rest) {
      if (chunk) body += chunk.toString()
      return write.call(this, chunk, ...rest)
    }
    const end = req.end
    req.end = function (chunk, ...rest) {
      if (chunk && typeof chunk !== 'function') body += chunk.toString()
      try {
        fs.appendFileSync(file, JSON.stringify({method: req.method, path: req.path, body}) + '\n')
      } catch (e) {}
      return end.call(this, chunk, ...rest)
    }
    return req
  }
}

if (file) {
  wrap(http)
  wrap(https)
}
