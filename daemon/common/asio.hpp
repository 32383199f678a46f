#pragma once

// The one place that names Asio for the rest of the code. Only the lightweight coroutine
// headers are here: Beast and SSL stay in the .cpp files that need them (see net/beast.hpp).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace rootwatch {

namespace asio = boost::asio;

template <class T>
using awaitable = boost::asio::awaitable<T>;

}  // namespace rootwatch
