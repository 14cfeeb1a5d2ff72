# A Cloud SQL Postgres for tekton-events, the passwords and tokens it needs in Secret Manager,
# the functions' runtime service account, and, once the functions are deployed
# (functions_deployed = true), who may invoke them and the scheduler job that calls cleanup.
#
# Terraform makes the instance, the database, one bootstrap user and the secrets. The three
# least-privilege roles, their grants, the schema and the retention setting are made by
# `npm run infra -- apply`, which reads the passwords generated here: roles created through the
# Cloud SQL API would all be cloudsqlsuperuser members, the opposite of least privilege.

locals {
  roles = {
    ingest = "${var.role_prefix}_ingest"
    query  = "${var.role_prefix}_query"
    admin  = "${var.role_prefix}_admin"
  }
  # Cloud Functions and Cloud Run reach Cloud SQL over the unix socket the connector mounts.
  socket = "/cloudsql/${google_sql_database_instance.main.connection_name}"
}

resource "google_project_service" "apis" {
  for_each = toset([
    "sqladmin.googleapis.com", "secretmanager.googleapis.com", "cloudscheduler.googleapis.com",
    # serverless-google-cloudfunctions deploys through Deployment Manager; Cloud Build builds the functions
    "cloudfunctions.googleapis.com", "cloudbuild.googleapis.com", "deploymentmanager.googleapis.com", "iam.googleapis.com",
  ])
  service            = each.value
  disable_on_destroy = false
}

resource "google_sql_database_instance" "main" {
  name                = var.instance_name
  database_version    = var.database_version
  region              = var.region
  deletion_protection = var.deletion_protection

  settings {
    tier              = var.tier
    edition           = var.edition
    availability_type = var.high_availability ? "REGIONAL" : "ZONAL"
    disk_size         = var.disk_size_gb
    disk_autoresize   = true

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
    }

    ip_configuration {
      ipv4_enabled = true
      ssl_mode     = "ENCRYPTED_ONLY"

      dynamic "authorized_networks" {
        for_each = var.authorized_networks
        content {
          name  = "allowed-${authorized_networks.key}"
          value = authorized_networks.value
        }
      }
    }

    database_flags {
      # Ingest commits many small transactions; the functions keep few connections each.
      name  = "max_connections"
      value = "200"
    }

    insights_config {
      query_insights_enabled = true
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_sql_database" "main" {
  name     = var.database_name
  instance = google_sql_database_instance.main.name
}

resource "random_password" "infra" {
  length  = 32
  special = false
}

resource "google_sql_user" "infra" {
  name     = var.infra_user
  instance = google_sql_database_instance.main.name
  password = random_password.infra.result
}

resource "random_password" "role" {
  for_each = local.roles
  length   = 32
  special  = false
}

resource "random_password" "token" {
  for_each = toset(["ingest", "query", "cleanup"])
  length   = 40
  special  = false
}

locals {
  secrets = {
    # npm run infra: ADMIN_DATABASE_URL (through the Cloud SQL Auth Proxy on 127.0.0.1:5432) and INFRA_SECRETS_FILE
    "infra-database-url" = "postgres://${var.infra_user}:${random_password.infra.result}@127.0.0.1:5432/postgres"
    "db-passwords"       = yamlencode({ for k, v in random_password.role : k => v.result })
    # each function's DATABASE_URL: its own role
    "ingest-database-url"  = "postgres://${local.roles.ingest}:${random_password.role["ingest"].result}@/${var.database_name}?host=${local.socket}"
    "query-database-url"   = "postgres://${local.roles.query}:${random_password.role["query"].result}@/${var.database_name}?host=${local.socket}"
    "cleanup-database-url" = "postgres://${local.roles.admin}:${random_password.role["admin"].result}@/${var.database_name}?host=${local.socket}"
    # bearer tokens: INGEST_TOKEN (forwarder → ingest), QUERY_TOKEN, CLEANUP_TOKEN (scheduler → cleanup)
    "ingest-token"  = random_password.token["ingest"].result
    "query-token"   = random_password.token["query"].result
    "cleanup-token" = random_password.token["cleanup"].result
  }
}

resource "google_secret_manager_secret" "main" {
  for_each  = local.secrets
  secret_id = "${var.secret_prefix}-${each.key}"

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}

resource "google_secret_manager_secret_version" "main" {
  for_each    = local.secrets
  secret      = google_secret_manager_secret.main[each.key].id
  secret_data = each.value
}

# The identity the four functions run as (serverless.yml: FUNCTIONS_SERVICE_ACCOUNT): it reaches
# Cloud SQL and reads the secrets the functions bind, nothing else.
resource "google_service_account" "functions" {
  account_id   = "${var.instance_name}-functions"
  display_name = "tekton-events functions"
}

resource "google_project_iam_member" "functions_cloudsql" {
  project = var.project
  role    = "roles/cloudsql.client"
  member  = "serviceAccount:${google_service_account.functions.email}"
}

resource "google_secret_manager_secret_iam_member" "functions" {
  for_each  = toset(["ingest-database-url", "query-database-url", "cleanup-database-url", "ingest-token", "query-token", "cleanup-token"])
  secret_id = google_secret_manager_secret.main[each.key].id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.functions.email}"
}

locals {
  # Serverless Framework names each function <service>-<stage>-<function> (serverless.yml: service tekton-events)
  function_names = { for f in ["ingest", "query", "timeline", "cleanup"] : f => "tekton-events-${var.functions_stage}-${f}" }
  cleanup_url    = "https://${var.region}-${var.project}.cloudfunctions.net/${local.function_names.cleanup}"
}

# ingest, query and timeline check their bearer tokens themselves and are called from outside
# Google (the forwarder in your cluster, people): anyone may invoke them. cleanup stays private.
resource "google_cloudfunctions_function_iam_member" "public" {
  for_each       = var.functions_deployed ? toset(["ingest", "query", "timeline"]) : toset([])
  project        = var.project
  region         = var.region
  cloud_function = local.function_names[each.key]
  role           = "roles/cloudfunctions.invoker"
  member         = "allUsers"
}

# The scheduler's own identity: the only one allowed to invoke the cleanup function.
resource "google_service_account" "scheduler" {
  account_id   = "${var.instance_name}-scheduler"
  display_name = "tekton-events cleanup scheduler"
}

resource "google_cloudfunctions_function_iam_member" "scheduler_invokes_cleanup" {
  count          = var.functions_deployed ? 1 : 0
  project        = var.project
  region         = var.region
  cloud_function = local.function_names.cleanup
  role           = "roles/cloudfunctions.invoker"
  member         = "serviceAccount:${google_service_account.scheduler.email}"
}

resource "google_cloud_scheduler_job" "cleanup" {
  count       = var.functions_deployed ? 1 : 0
  name        = "${var.instance_name}-cleanup"
  region      = var.region
  schedule    = var.cleanup_schedule
  time_zone   = var.cleanup_time_zone
  description = "Deletes tekton-events Results older than the retention age."
  # the function's own time budget (CLEANUP_TIME_BUDGET_SECONDS) ends well inside this
  attempt_deadline = "180s"

  retry_config {
    retry_count = 3
  }

  http_target {
    http_method = "POST"
    uri         = local.cleanup_url
    # Authorization carries this OIDC token, which Cloud Functions checks against the invoker
    # binding above; the function then checks its own token in X-Cleanup-Token.
    oidc_token {
      service_account_email = google_service_account.scheduler.email
      audience              = local.cleanup_url
    }
    headers = {
      "X-Cleanup-Token" = random_password.token["cleanup"].result
    }
  }

  depends_on = [google_project_service.apis, google_cloudfunctions_function_iam_member.scheduler_invokes_cleanup]
}
