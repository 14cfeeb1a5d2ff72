variable "project" {
  description = "Google Cloud project id."
  type        = string
}

variable "region" {
  description = "Region of the Cloud SQL instance (keep the functions in the same one)."
  type        = string
  default     = "europe-west1"
}

variable "instance_name" {
  description = "Cloud SQL instance name."
  type        = string
  default     = "tekton-events"
}

variable "database_version" {
  description = "Postgres major version (the code is tested on 17)."
  type        = string
  default     = "POSTGRES_17"
}

variable "tier" {
  description = "Machine tier. db-f1-micro is enough to try it; give production a dedicated-core tier."
  type        = string
  default     = "db-custom-1-3840"
}

variable "edition" {
  description = "Cloud SQL edition: ENTERPRISE or ENTERPRISE_PLUS."
  type        = string
  default     = "ENTERPRISE"
}

variable "disk_size_gb" {
  description = "Initial disk size; it grows automatically."
  type        = number
  default     = 20
}

variable "high_availability" {
  description = "REGIONAL (a standby in another zone) instead of ZONAL."
  type        = bool
  default     = false
}

variable "deletion_protection" {
  description = "Refuse terraform destroy of the instance (and its events) while true."
  type        = bool
  default     = true
}

variable "authorized_networks" {
  description = "CIDR ranges allowed to reach the public IP (e.g. where you run npm run infra). Empty: only the Cloud SQL connector / Auth Proxy."
  type        = list(string)
  default     = []
}

variable "database_name" {
  description = "Database the functions use (INFRA_DATABASE)."
  type        = string
  default     = "tekton_events"
}

variable "role_prefix" {
  description = "Roles are <prefix>_ingest, <prefix>_query, <prefix>_admin (INFRA_ROLE_PREFIX). npm run infra -- apply creates them; Terraform only makes their passwords."
  type        = string
  default     = "tekton_events"

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{0,47}$", var.role_prefix))
    error_message = "role_prefix: lower-case letters, digits and _ only, a letter first."
  }
}

variable "infra_user" {
  description = "Built-in Cloud SQL user that npm run infra connects as (ADMIN_DATABASE_URL). It is a cloudsqlsuperuser member: never give it to a function."
  type        = string
  default     = "tekton_events_infra"
}

variable "secret_prefix" {
  description = "Prefix of the Secret Manager secret ids."
  type        = string
  default     = "tekton-events"
}

variable "functions_deployed" {
  description = "Set to true after `npx serverless deploy`: makes ingest and query publicly invocable, lets the scheduler's service account invoke cleanup, and creates the Cloud Scheduler job."
  type        = bool
  default     = false
}

variable "functions_stage" {
  description = "The Serverless stage the functions were deployed with (`--stage`, default prod): they are named tekton-events-<stage>-<function>."
  type        = string
  default     = "prod"
}

variable "cleanup_schedule" {
  description = "Cron schedule of the cleanup job (in cleanup_time_zone)."
  type        = string
  default     = "17 3 * * *"
}

variable "cleanup_time_zone" {
  description = "Time zone of cleanup_schedule."
  type        = string
  default     = "Etc/UTC"
}
