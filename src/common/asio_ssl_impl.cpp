// Builds Asio's TLS support once for the whole program (BOOST_ASIO_SEPARATE_COMPILATION), for
// every part that speaks TLS: the router's TLS port, the API, drains, webhooks, `heroku run`.
#include <boost/asio/ssl/impl/src.hpp>
