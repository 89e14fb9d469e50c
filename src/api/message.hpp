#pragma once
// One API request and its answer, as the HTTP server (server.cpp) hands them over: the API
// itself is pure request → response.

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lokku::api {

struct Request {
  std::string method;
  std::string path;                            ///< without the query
  std::string query;                           ///< after '?', undecoded
  std::map<std::string, std::string> headers;  ///< names lower-case
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::string body;  ///< JSON
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace lokku::api
