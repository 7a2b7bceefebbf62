// Boost.URL is used header-only: its sources are compiled here, once
// (<boost/url/src.hpp> must be included by exactly one translation unit).
#include <boost/url/src.hpp>
