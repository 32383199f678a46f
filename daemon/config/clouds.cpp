#include "config/clouds.hpp"

namespace rootwatch::config {

std::optional<endpoint_settings> cloud_endpoints(std::string_view cloud) {
  // Public cloud tokens use the management.azure.com audience, which the metadata lists as an
  // accepted ARM audience; the sovereign clouds only have the management.core.* audience, and
  // their "//.default" double slash is what the token endpoint expects for a URI ending in "/".
  if (cloud == "AzureCloud") {
    return endpoint_settings{
        .authority = "https://login.microsoftonline.com",
        .resource_manager = "https://management.azure.com",
        .graph = "https://graph.microsoft.com",
        .arm_scope = "https://management.azure.com/.default",
    };
  }
  if (cloud == "AzureUSGovernment") {
    return endpoint_settings{
        .authority = "https://login.microsoftonline.us",
        .resource_manager = "https://management.usgovcloudapi.net",
        .graph = "https://graph.microsoft.us",
        .arm_scope = "https://management.core.usgovcloudapi.net//.default",
    };
  }
  if (cloud == "AzureChinaCloud") {
    return endpoint_settings{
        .authority = "https://login.chinacloudapi.cn",
        .resource_manager = "https://management.chinacloudapi.cn",
        .graph = "https://microsoftgraph.chinacloudapi.cn",
        .arm_scope = "https://management.core.chinacloudapi.cn//.default",
    };
  }
  return std::nullopt;
}

std::optional<std::string> logs_ingestion_scope(std::string_view cloud) {
  // The audience ends in "/", hence the double slash the Azure SDKs and the docs use.
  if (cloud == "AzureCloud") {
    return "https://monitor.azure.com//.default";
  }
  if (cloud == "AzureUSGovernment") {
    return "https://monitor.azure.us//.default";
  }
  if (cloud == "AzureChinaCloud") {
    return "https://monitor.azure.cn//.default";
  }
  return std::nullopt;
}

}  // namespace rootwatch::config
