#include "router/router_error.hpp"

#include <fmt/format.h>

#include <array>
#include <iterator>
#include <utility>

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

/// `12ms`, or nothing when the time is not known.
void append_ms(fmt::memory_buffer& out, const std::optional<long>& v) {
  if (v) {
    fmt::format_to(std::back_inserter(out), "{}ms", *v);
  }
}

void append(fmt::memory_buffer& out, std::string_view text) {
  out.append(text.data(), text.data() + text.size());
}

}  // namespace

std::string format_access(const AccessRecord& r) {
  // A line per request: formatted piece by piece into one buffer, with no string between.
  fmt::memory_buffer out;
  if (r.code == Code::H18) {
    append(out, "sock=backend ");
  } else if (r.code == Code::H27 || r.code == Code::H28) {
    append(out, "sock=client ");
  }
  if (r.code) {
    const auto& i = info(*r.code);
    fmt::format_to(std::back_inserter(out), "at={} code={} desc=\"{}", i.level, i.name, i.desc);
    if (*r.code == Code::H25 && !r.cause.empty()) {
      fmt::format_to(std::back_inserter(out), ": {}", r.cause);
    }
    append(out, "\" ");
    if (*r.code == Code::H26 && !r.cause.empty()) {
      fmt::format_to(std::back_inserter(out), "cause=\"{}\" ", r.cause);
    }
  } else {
    append(out, "at=info ");
  }
  // §7's fields in order, each after its name (and the quote that closes the one before).
  const std::pair<std::string_view, std::string_view> fields[] = {
      {"method=", r.method},          {" path=\"", r.path}, {"\" host=", r.host},
      {" request_id=", r.request_id}, {" fwd=\"", r.fwd},   {"\" dyno=", r.dyno}};
  for (const auto& [name, value] : fields) {
    append(out, name);
    append(out, value);
  }
  append(out, " connect=");
  append_ms(out, r.connect_ms);
  append(out, " service=");
  append_ms(out, r.service_ms);
  fmt::format_to(std::back_inserter(out), " status={} bytes=", r.status);
  if (r.bytes) {
    fmt::format_to(std::back_inserter(out), "{}", *r.bytes);
  }
  append(out, " protocol=");
  append(out, r.protocol);
  return fmt::to_string(out);
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
