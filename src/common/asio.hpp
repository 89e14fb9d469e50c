#pragma once
// The one place that names the Asio namespace alias used across lokku.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

namespace lokku {
namespace net = boost::asio;
}  // namespace lokku
