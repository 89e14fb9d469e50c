#pragma once
// Boost.Process v2 as Boost 1.81 needs it included: <boost/optional.hpp> first,
// std::filesystem paths, and boost::remove_pointer in scope (environment.hpp names it
// unqualified). Include this instead of the library's own headers. The library is compiled
// once, in process_v2.cpp (its header-only mode leaves parts undefined on 1.81).

#include <boost/asio/detail/throw_error.hpp>
#include <boost/optional.hpp>
#include <boost/type_traits/remove_pointer.hpp>
#ifndef BOOST_PROCESS_USE_STD_FS
#define BOOST_PROCESS_USE_STD_FS 1
#endif
#ifndef BOOST_PROCESS_V2_SEPARATE_COMPILATION
#define BOOST_PROCESS_V2_SEPARATE_COMPILATION 1
#endif
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>

namespace lokku {
namespace bp2 = boost::process::v2;
}  // namespace lokku
