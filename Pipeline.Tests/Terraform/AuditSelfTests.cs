namespace Pipeline.Tests.Terraform;

/// <summary>Parses a deliberately wrong configuration (written to a temporary folder) for <see cref="AuditSelfTests"/>.</summary>
public sealed class FlawedTerraformFixture : IAsyncLifetime
{
    private const string Flawed = """
        variable "declared_but_unused" {
          description = "Never referenced."
          type        = string
        }

        variable "no_description" {
          type = string
          validation {
            condition     = length(var.no_description) > 0
            error_message = "Must not be empty."
          }
        }

        resource "aws_s3_bucket" "b" {
          bucket = "${var.no_description}-${var.undeclared}"
        }

        data "aws_iam_policy_document" "wide" {
          statement {
            sid       = "Everything"
            actions   = ["s3:GetObject"]
            resources = ["*"]
          }
          statement {
            sid       = "WholeService"
            actions   = ["s3:*"]
            resources = [aws_s3_bucket.b.arn]
          }
          statement {
            sid     = "NoResources"
            actions = ["s3:GetObject"]
          }
          statement {
            sid       = "PrefixWildcard"
            actions   = ["s3:GetObject"]
            resources = ["${aws_s3_bucket.b.arn}*", "arn:aws:s3:::some-bucket/*"]
          }
          dynamic "statement" {
            for_each = [1]
            content {
              sid       = "DynamicEverything"
              actions   = ["sqs:SendMessage"]
              resources = ["*"]
            }
          }
        }

        data "aws_iam_policy_document" "narrow" {
          statement {
            actions   = ["s3:GetObject"]
            resources = ["${aws_s3_bucket.b.arn}/raw/*"]
          }
        }

        resource "aws_iam_role_policy" "inline" {
          policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })
        }

        resource "aws_iam_role_policy" "scoped" {
          policy = data.aws_iam_policy_document.narrow.json
        }

        resource "aws_iam_role_policy_attachment" "managed" {
          policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
        }
        """;

    private TerraformConfiguration? _configuration;

    /// <summary>The parsed flawed configuration.</summary>
    public TerraformConfiguration Configuration =>
        _configuration ?? throw new InvalidOperationException("The flawed configuration has not been parsed.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var folder = Directory.CreateTempSubdirectory("pipeline-flawed-tf-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "main.tf"), Flawed);
            _configuration = await TerraformConfiguration.ParseAsync(folder.FullName, CancellationToken.None);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <inheritdoc />
    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>The audits find what they are meant to find (so that their passing on terraform/ means something).</summary>
public sealed class AuditSelfTests(FlawedTerraformFixture fixture) : IClassFixture<FlawedTerraformFixture>
{
    [Fact]
    public void The_variable_audit_reports_undeclared_unused_and_undescribed_variables()
    {
        var findings = TerraformVariableAudit.Findings(fixture.Configuration);

        Assert.Contains(findings, f => f.StartsWith("var.undeclared is used in main.tf but not declared", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("var.declared_but_unused (main.tf) is declared but never used", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("var.no_description (main.tf) has no description", StringComparison.Ordinal));
        // A reference inside the variable's own validation is not a use; the bucket's is.
        Assert.DoesNotContain(findings, f => f.StartsWith("var.no_description (main.tf) is declared but never used", StringComparison.Ordinal));
        Assert.Equal(3, findings.Count);
    }

    [Fact]
    public void The_policy_audit_reports_every_broad_statement_inline_policy_and_managed_policy()
    {
        var findings = new IamPolicyAudit(new Dictionary<string, string>()).Findings(fixture.Configuration);

        Assert.Contains(findings, f => f.Contains("statement \"Everything\": resource \"*\"", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("statement \"WholeService\": action \"s3:*\"", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("statement \"NoResources\": names no resources", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("statement \"PrefixWildcard\": resource \"${aws_s3_bucket.b.arn}*\"", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("statement \"PrefixWildcard\": resource \"arn:aws:s3:::some-bucket/*\"", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("dynamic \"DynamicEverything\": resource \"*\"", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("aws_iam_role_policy.inline (main.tf): policy must be a data.aws_iam_policy_document", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("aws_iam_role_policy_attachment.managed (main.tf): attaches the AWS managed policy", StringComparison.Ordinal));
        Assert.DoesNotContain(findings, f => f.Contains("aws_iam_policy_document.narrow", StringComparison.Ordinal) || f.Contains("aws_iam_role_policy.scoped", StringComparison.Ordinal));
        Assert.Equal(8, findings.Count);
    }

    [Fact]
    public void The_allow_list_exempts_a_document_but_must_not_go_stale()
    {
        var allowList = new Dictionary<string, string>
        {
            ["data.aws_iam_policy_document.wide"] = "test",
            ["data.aws_iam_policy_document.narrow"] = "test",
            ["data.aws_iam_policy_document.gone"] = "test",
        };

        var findings = new IamPolicyAudit(allowList).Findings(fixture.Configuration);

        Assert.DoesNotContain(findings, f => f.Contains("resource \"*\"", StringComparison.Ordinal));
        // Even an allow-listed document must name resources (or be a trust policy).
        Assert.Contains(findings, f => f.Contains("statement \"NoResources\": names no resources", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("data.aws_iam_policy_document.narrow (main.tf) is allow-listed but", StringComparison.Ordinal));
        Assert.Contains(findings, f => f == "The allow-list names data.aws_iam_policy_document.gone, which does not exist.");
    }

    [Theory]
    [InlineData("${aws_s3_bucket.raw.arn}", true)]
    [InlineData("${aws_s3_bucket.raw.arn}/raw/*", true)]
    [InlineData("${aws_cloudwatch_log_group.lambda[\"fetch_product_data\"].arn}:*", true)]
    [InlineData("${aws_dynamodb_table.runs.arn}/index/*", true)]
    [InlineData("${var.api_key_secret_arn}", true)]
    [InlineData("arn:aws:sqs:us-east-1:123456789012:queue", true)]
    [InlineData("*", false)]
    [InlineData("arn:aws:s3:::*", false)]
    [InlineData("${aws_s3_bucket.raw.arn}*", false)]
    [InlineData("arn:aws:dynamodb:*:*:table/x", false)]
    [InlineData("${local.everything}", false)]
    public void A_resource_is_specific_only_when_it_is_a_resource_reference_or_a_wildcard_free_ARN(string resource, bool specific)
    {
        Assert.Equal(specific, IamPolicyAudit.IsSpecific(resource));
    }
}
