terraform {
  # 1.9+ for validation blocks that refer to other variables (see variables.tf).
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 6.27.0 is the first release whose runtime validation knows the managed "dotnet10" Lambda runtime.
      version = ">= 6.27.0, < 7.0.0"
    }
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0.0, < 8.0.0"
    }
  }
}
