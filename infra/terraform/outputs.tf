output "instance_connection_name" {
  description = "PROJECT:REGION:INSTANCE, for the Cloud SQL connector of the functions (and the Auth Proxy)."
  value       = google_sql_database_instance.main.connection_name
}

output "public_ip_address" {
  description = "Public IP of the instance (reachable from authorized_networks only)."
  value       = google_sql_database_instance.main.public_ip_address
}

output "database" {
  description = "INFRA_DATABASE."
  value       = google_sql_database.main.name
}

output "role_prefix" {
  description = "INFRA_ROLE_PREFIX."
  value       = var.role_prefix
}

output "secret_ids" {
  description = "Secret Manager secret ids by purpose (serverless.yml and the Knative manifests refer to these)."
  value       = { for k, s in google_secret_manager_secret.main : k => s.secret_id }
}

output "infra_database_url" {
  description = "ADMIN_DATABASE_URL for npm run infra, through cloud-sql-proxy listening on 127.0.0.1:5432."
  value       = local.secrets["infra-database-url"]
  sensitive   = true
}

output "db_passwords_yaml" {
  description = "INFRA_SECRETS_FILE content for npm run infra."
  value       = local.secrets["db-passwords"]
  sensitive   = true
}

output "functions_service_account_email" {
  description = "FUNCTIONS_SERVICE_ACCOUNT for npx serverless deploy: the functions' runtime identity."
  value       = google_service_account.functions.email
}

output "function_urls" {
  description = "The functions' URLs once deployed (the forwarder's K_SINK is the ingest one)."
  value       = { for f, name in local.function_names : f => "https://${var.region}-${var.project}.cloudfunctions.net/${name}" }
}
