#include "router/router_error.hpp"

#include <fmt/format.h>

#include <array>

namespace lokku::router {

const CodeInfo& info(Code code) {
  static const std::array<CodeInfo, 17> kInfo{{
      {"H10", "App crashed", 503, "error"},
      {"H12", "Request timeout", 503, "error"},
      {"H13", "Connection closed without response", 503, "error"},
      {"H14", "No web processes running", 503, "error"},
      {"H15", "Idle connection", 503, "error"},
      {"H17", "Poorly formatted HTTP response", 503, "error"},
      {"H18", "Server Request Interrupted", 503, "error"},
      {"H19", "Backend connection timeout", 503, "error"},
      {"H20", "App boot timeout", 503, "error"},
      {"H21", "Backend connection refused", 503, "error"},
      {"H25", "HTTP restriction", 502, "error"},
      {"H26", "Request Error", 400, "error"},
      {"H27", "Client Request Interrupted", 499, "warning"},
      {"H28", "Client Connection Idle", 499, "warning"},
      {"H80", "Maintenance mode", 503, "info"},
      {"H81", "Blank app", 503, "info"},
      {"H99", "Platform error", 503, "error"},
  }};
  return kInfo[static_cast<std::size_t>(code)];
}

namespace {
std::string opt_ms(const std::optional<long>& v) {
  return v ? fmt::format("{}ms", *v) : "";
}
}  // namespace

std::string format_access(const AccessRecord& r) {
  std::string out;
  if (r.code == Code::H18) {
    out += "sock=backend ";
  } else if (r.code == Code::H27 || r.code == Code::H28) {
    out += "sock=client ";
  }
  if (r.code) {
    const auto& i = info(*r.code);
    std::string desc(i.desc);
    if (*r.code == Code::H25 && !r.cause.empty()) {
      desc += ": " + r.cause;
    }
    out += fmt::format("at={} code={} desc=\"{}\" ", i.level, i.name, desc);
    if (*r.code == Code::H26 && !r.cause.empty()) {
      out += fmt::format("cause=\"{}\" ", r.cause);
    }
  } else {
    out += "at=info ";
  }
  out += fmt::format(
      "method={} path=\"{}\" host={} request_id={} fwd=\"{}\" dyno={} connect={} service={} "
      "status={} bytes={} protocol={}",
      r.method, r.path, r.host, r.request_id, r.fwd, r.dyno, opt_ms(r.connect_ms),
      opt_ms(r.service_ms), r.status, r.bytes ? fmt::format("{}", *r.bytes) : "", r.protocol);
  return out;
}

std::string error_page(std::string_view url) {
  return fmt::format(
      "<!DOCTYPE html>\n"
      "<html>\n"
      "  <head>\n"
      "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "    <meta charset=\"utf-8\">\n"
      "    <title>Application Error</title>\n"
      "    <style media=\"screen\">\n"
      "      html,body,iframe {{ margin: 0; padding: 0; }}\n"
      "      html,body {{ height: 100%; overflow: hidden; }}\n"
      "      iframe {{ width: 100%; height: 100%; border: 0; }}\n"
      "    </style>\n"
      "  </head>\n"
      "  <body>\n"
      "    <iframe src=\"{}\"></iframe>\n"
      "  </body>\n"
      "</html>\n",
      url);
}

std::string no_such_app_page() {
  return "<!DOCTYPE html>\n"
         "<html>\n"
         "  <head>\n"
         "    <meta charset=\"utf-8\">\n"
         "    <title>No such app</title>\n"
         "  </head>\n"
         "  <body>\n"
         "    <h1>No such app</h1>\n"
         "    <p>There is no app configured at that hostname. Apps answer at "
         "http://&lt;app&gt;.localhost:&lt;port&gt;/ (lokku apps lists them).</p>\n"
         "  </body>\n"
         "</html>\n";
}

}  // namespace lokku::router
