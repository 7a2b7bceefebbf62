// Boost.Process v2's compiled part, exactly once in the build (REFERENCE.md:
// in Boost 1.81 the header-only mode fails to link).
#include <boost/process/v2/src.hpp>
