# ---------------------------------------------------------------------------------------------------------------------
# General
# ---------------------------------------------------------------------------------------------------------------------

variable "aws_region" {
  description = "AWS region for every AWS resource (the Lambda functions read it as Pipeline__Aws__Region)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be an AWS region code such as us-east-1 or eu-central-1."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name: \"<prefix>products\" tables, \"<prefix>trigger_ingestion\" functions, \"<prefix>fetch-tasks\" stream. Lower case, ends with a hyphen."
  type        = string
  default     = "pipeline-"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,22}-$", var.name_prefix))
    error_message = "name_prefix must start with a lower-case letter, contain only lower-case letters, digits and hyphens, end with a hyphen and be at most 24 characters long."
  }
}

variable "tags" {
  description = "Extra tags applied to every AWS resource (Project and ManagedBy are always added)."
  type        = map(string)
  default     = {}
}

variable "alert_email" {
  description = "E-mail address that receives the CloudWatch alarm notifications (SNS, confirm the subscription mail) and the AWS Budgets alerts."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alert_email))
    error_message = "alert_email must be an e-mail address."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Kinesis
# ---------------------------------------------------------------------------------------------------------------------

variable "kinesis_shard_count" {
  description = "Number of provisioned shards of the fetch-task stream (each shard costs about 11 USD a month; one is plenty for the small catalog)."
  type        = number
  default     = 1

  validation {
    condition     = var.kinesis_shard_count >= 1 && var.kinesis_shard_count <= 64 && floor(var.kinesis_shard_count) == var.kinesis_shard_count
    error_message = "kinesis_shard_count must be a whole number between 1 and 64."
  }
}

variable "kinesis_retention_hours" {
  description = "How long the stream keeps records, in hours (24 is included in the shard price; longer retention is billed extra)."
  type        = number
  default     = 24

  validation {
    condition     = var.kinesis_retention_hours >= 24 && var.kinesis_retention_hours <= 8760
    error_message = "kinesis_retention_hours must be between 24 and 8760."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# S3 raw zone
# ---------------------------------------------------------------------------------------------------------------------

variable "raw_bucket_name" {
  description = "Name of the raw-zone bucket. Empty means \"<prefix>raw-<account id>-<region>\", which is globally unique."
  type        = string
  default     = ""

  validation {
    condition     = var.raw_bucket_name == "" || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.raw_bucket_name))
    error_message = "raw_bucket_name must be empty or a valid S3 bucket name (3-63 lower-case letters, digits, dots and hyphens)."
  }
}

variable "raw_bucket_force_destroy" {
  description = "Let `terraform destroy` delete the raw bucket together with every object version in it. Keep false; set to true and apply only to tear the stack down."
  type        = bool
  default     = false
}

variable "raw_transition_to_ia_days" {
  description = "Days after which raw pages move to S3 Standard-IA (S3 requires at least 30)."
  type        = number
  default     = 30

  validation {
    condition     = var.raw_transition_to_ia_days >= 30
    error_message = "raw_transition_to_ia_days must be at least 30 (an S3 rule for Standard-IA)."
  }
}

variable "raw_transition_to_glacier_days" {
  description = "Days after which raw pages move to S3 Glacier Flexible Retrieval; must be later than the Standard-IA transition."
  type        = number
  default     = 180

  validation {
    condition     = var.raw_transition_to_glacier_days >= var.raw_transition_to_ia_days + 30
    error_message = "raw_transition_to_glacier_days must be at least 30 days after raw_transition_to_ia_days."
  }
}

variable "raw_noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted (noncurrent) versions of raw pages are removed for good."
  type        = number
  default     = 30

  validation {
    condition     = var.raw_noncurrent_version_expiration_days >= 1
    error_message = "raw_noncurrent_version_expiration_days must be at least 1."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# DynamoDB
# ---------------------------------------------------------------------------------------------------------------------

variable "dynamodb_deletion_protection" {
  description = "Protect the DynamoDB tables against deletion. Set to false and apply before `terraform destroy`."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------------------------------------

variable "lambda_artifacts_dir" {
  description = "Folder, relative to this terraform folder, that holds <function>.zip as written by scripts/package-lambdas.sh."
  type        = string
  default     = "../artifacts/lambda"
}

variable "lambda_memory_mb" {
  description = "Memory of each Lambda function in MB (CPU scales with it)."
  type = object({
    trigger_ingestion  = number
    fetch_product_data = number
    transform_products = number
  })
  default = {
    trigger_ingestion  = 512
    fetch_product_data = 512
    transform_products = 1024
  }

  validation {
    condition     = alltrue([for m in values(var.lambda_memory_mb) : m >= 128 && m <= 10240])
    error_message = "Every lambda_memory_mb value must be between 128 and 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of each Lambda function in seconds. trigger_ingestion answers API Gateway, whose integration timeout is 30 s."
  type = object({
    trigger_ingestion  = number
    fetch_product_data = number
    transform_products = number
  })
  default = {
    trigger_ingestion  = 29
    fetch_product_data = 120
    transform_products = 300
  }

  validation {
    condition     = alltrue([for t in values(var.lambda_timeout_seconds) : t >= 1 && t <= 900]) && var.lambda_timeout_seconds.trigger_ingestion <= 30
    error_message = "Every lambda_timeout_seconds value must be between 1 and 900, and trigger_ingestion at most 30 (API Gateway's limit)."
  }
}

variable "log_retention_days" {
  description = "Retention of the Lambda and API Gateway log groups, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "dummyjson_base_url" {
  description = "Base URL of the DummyJSON product source (Pipeline__Sources__DummyJson__BaseUrl)."
  type        = string
  default     = "https://dummyjson.com"

  validation {
    condition     = can(regex("^https://[^\\s]+$", var.dummyjson_base_url))
    error_message = "dummyjson_base_url must be an https:// URL."
  }
}

variable "otel_environment" {
  description = "OpenTelemetry variables for the three functions (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_METRIC_EXPORT_INTERVAL); empty: nothing is exported."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for name in keys(var.otel_environment) : can(regex("^OTEL_[A-Z0-9_]+$", name))])
    error_message = "otel_environment takes OTEL_* variables only."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Kinesis → fetch_product_data event source mapping, S3 → transform_products asynchronous invocation
# ---------------------------------------------------------------------------------------------------------------------

variable "fetch_batch_size" {
  description = "Largest number of stream records (fetch tasks) handed to one fetch_product_data invocation."
  type        = number
  default     = 10

  validation {
    condition     = var.fetch_batch_size >= 1 && var.fetch_batch_size <= 10000
    error_message = "fetch_batch_size must be between 1 and 10000."
  }
}

variable "fetch_maximum_batching_window_seconds" {
  description = "How long the event source mapping may wait to fill a batch, in seconds."
  type        = number
  default     = 1

  validation {
    condition     = var.fetch_maximum_batching_window_seconds >= 0 && var.fetch_maximum_batching_window_seconds <= 300
    error_message = "fetch_maximum_batching_window_seconds must be between 0 and 300."
  }
}

variable "fetch_maximum_retry_attempts" {
  description = "Retries of a failing batch before its records go to the on-failure queue. Finite on purpose (-1, \"forever\", would block the shard)."
  type        = number
  default     = 3

  validation {
    condition     = var.fetch_maximum_retry_attempts >= 0 && var.fetch_maximum_retry_attempts <= 10000
    error_message = "fetch_maximum_retry_attempts must be between 0 and 10000 (infinite retries are not allowed)."
  }
}

variable "fetch_maximum_record_age_seconds" {
  description = "Records older than this are sent to the on-failure queue instead of being retried. Finite on purpose."
  type        = number
  default     = 3600

  validation {
    condition     = var.fetch_maximum_record_age_seconds >= 60 && var.fetch_maximum_record_age_seconds <= 604800
    error_message = "fetch_maximum_record_age_seconds must be between 60 and 604800 (infinite age is not allowed)."
  }
}

variable "transform_maximum_retry_attempts" {
  description = "Retries of a failed asynchronous (S3-triggered) transform_products invocation before the event goes to the on-failure queue."
  type        = number
  default     = 2

  validation {
    condition     = var.transform_maximum_retry_attempts >= 0 && var.transform_maximum_retry_attempts <= 2
    error_message = "transform_maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "transform_maximum_event_age_seconds" {
  description = "Largest age of an S3 event that transform_products still processes, in seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.transform_maximum_event_age_seconds >= 60 && var.transform_maximum_event_age_seconds <= 21600
    error_message = "transform_maximum_event_age_seconds must be between 60 and 21600."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# HTTP API
# ---------------------------------------------------------------------------------------------------------------------

variable "api_throttling_burst_limit" {
  description = "Burst limit (requests) of the HTTP API stage."
  type        = number
  default     = 10

  validation {
    condition     = var.api_throttling_burst_limit >= 1 && var.api_throttling_burst_limit <= 5000
    error_message = "api_throttling_burst_limit must be between 1 and 5000."
  }
}

variable "api_throttling_rate_limit" {
  description = "Steady-state rate limit (requests per second) of the HTTP API stage."
  type        = number
  default     = 5

  validation {
    condition     = var.api_throttling_rate_limit > 0 && var.api_throttling_rate_limit <= 10000
    error_message = "api_throttling_rate_limit must be greater than 0 and at most 10000."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Alarms and budget
# ---------------------------------------------------------------------------------------------------------------------

variable "iterator_age_alarm_threshold_ms" {
  description = "Alarm when the oldest unprocessed stream record is older than this, in milliseconds."
  type        = number
  default     = 300000

  validation {
    condition     = var.iterator_age_alarm_threshold_ms >= 1000
    error_message = "iterator_age_alarm_threshold_ms must be at least 1000."
  }
}

variable "monthly_budget_usd" {
  description = "Monthly AWS cost budget in USD; alert_email is told at 80 % actual and 100 % forecast spend."
  type        = number
  default     = 25

  validation {
    condition     = var.monthly_budget_usd > 0
    error_message = "monthly_budget_usd must be greater than 0."
  }
}

# ---------------------------------------------------------------------------------------------------------------------
# Google Cloud (BigQuery warehouse)
# ---------------------------------------------------------------------------------------------------------------------

variable "gcp_project_id" {
  description = "Google Cloud project that holds the BigQuery dataset (Pipeline__Warehouse__BigQuery__ProjectId)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.gcp_project_id))
    error_message = "gcp_project_id must be a Google Cloud project id (6-30 lower-case letters, digits and hyphens, starting with a letter)."
  }
}

variable "bigquery_dataset_id" {
  description = "BigQuery dataset of the warehouse (Pipeline__Warehouse__BigQuery__DatasetId)."
  type        = string
  default     = "pipeline"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]+$", var.bigquery_dataset_id)) && length(var.bigquery_dataset_id) <= 1024
    error_message = "bigquery_dataset_id may contain only letters, digits and underscores (at most 1024)."
  }
}

variable "bigquery_location" {
  description = "BigQuery location of the dataset, e.g. US, EU or a region such as europe-west1 (Pipeline__Warehouse__BigQuery__Location)."
  type        = string
  default     = "US"

  validation {
    condition     = can(regex("^(US|EU|[a-z]+-[a-z]+[0-9])$", var.bigquery_location))
    error_message = "bigquery_location must be US, EU or a region such as europe-west1."
  }
}

variable "bigquery_loader_account_id" {
  description = "Account id (the part before @) of the service account that loads the warehouse."
  type        = string
  default     = "pipeline-warehouse-loader"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.bigquery_loader_account_id))
    error_message = "bigquery_loader_account_id must be 6-30 lower-case letters, digits and hyphens, starting with a letter."
  }
}

variable "bigquery_deletion_protection" {
  description = "Protect the BigQuery tables and views against deletion (and keep the dataset's contents on destroy). Set to false and apply before `terraform destroy`."
  type        = bool
  default     = true
}
