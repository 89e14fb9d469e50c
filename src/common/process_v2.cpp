// Boost.Process v2, compiled once for all of lokku (process_v2.hpp).
#include "common/process_v2.hpp"

#include <boost/process/v2/src.hpp>
