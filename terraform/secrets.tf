# The trigger function's API keys: an SSM Parameter Store SecureString (encrypted with the data key) that the function
# reads at run time (Pipeline__Security__ApiKeysParameter; GetParameter with decryption, cached for 5 minutes).
#
# Terraform creates the parameter with a placeholder that holds no usable key ("sha256:unset" is a malformed hash, so
# the trigger refuses every request with 503 until the real value is set) and never manages the value afterwards
# (ignore_changes). Set the keys outside Terraform, one per line, preferably as their SHA-256 so that no copy of the
# parameter (Terraform's state included: the provider reads the value back on refresh) holds a usable key:
#
#   aws ssm put-parameter --overwrite --type SecureString --key-id alias/<name_prefix>data \
#     --name "$(terraform output -raw trigger_api_keys_parameter)" \
#     --value "sha256:$(printf %s "$KEY" | sha256sum | cut -d' ' -f1)"
#
# Only the trigger's role may read it (ssm:GetParameter on this ARN, kms:Decrypt for this parameter only: lambda.tf).
resource "aws_ssm_parameter" "trigger_api_keys" {
  name        = "/${var.name_prefix}pipeline/trigger-api-keys"
  description = "API keys (or sha256:<hex> of each) accepted by the trigger_ingestion function in X-Api-Key, one per line."
  type        = "SecureString"
  key_id      = aws_kms_key.data.arn
  value       = "sha256:unset"

  lifecycle {
    ignore_changes = [value]
  }
}
