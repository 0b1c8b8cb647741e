using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Partages.Coordinator.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class InitialCreate : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "api_tokens",
                columns: table => new
                {
                    Name = table.Column<string>(type: "text", nullable: false),
                    TokenSha256 = table.Column<string>(type: "text", nullable: false),
                    Role = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_tokens", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "artifacts",
                columns: table => new
                {
                    Sha256 = table.Column<string>(type: "text", nullable: false),
                    SizeBytes = table.Column<long>(type: "bigint", nullable: false),
                    MediaType = table.Column<string>(type: "text", nullable: false),
                    UploadedBy = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_artifacts", x => x.Sha256);
                });

            migrationBuilder.CreateTable(
                name: "enrollment_tokens",
                columns: table => new
                {
                    TokenSha256 = table.Column<string>(type: "text", nullable: false),
                    NodeName = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    ExpiresAt = table.Column<long>(type: "bigint", nullable: false),
                    UsedAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_enrollment_tokens", x => x.TokenSha256);
                });

            migrationBuilder.CreateTable(
                name: "evaluations",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "text", nullable: false),
                    SpecYaml = table.Column<string>(type: "text", nullable: false),
                    SpecSha256 = table.Column<string>(type: "text", nullable: false),
                    ModelBundleSha256 = table.Column<string>(type: "text", nullable: false),
                    ModelSignature = table.Column<byte[]>(type: "bytea", nullable: true),
                    Owner = table.Column<string>(type: "text", nullable: false),
                    Task = table.Column<string>(type: "text", nullable: false),
                    Dataset = table.Column<string>(type: "text", nullable: false),
                    LabelsJson = table.Column<string>(type: "text", nullable: false),
                    MinSites = table.Column<int>(type: "integer", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    Deadline = table.Column<long>(type: "bigint", nullable: false),
                    CompletedAt = table.Column<long>(type: "bigint", nullable: true),
                    PooledResultJson = table.Column<string>(type: "text", nullable: false),
                    IncludedSitesJson = table.Column<string>(type: "text", nullable: false),
                    MissingSitesJson = table.Column<string>(type: "text", nullable: false),
                    TraceParent = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_evaluations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "nodes",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    Name = table.Column<string>(type: "text", nullable: false),
                    CertificateSha256 = table.Column<string>(type: "text", nullable: false),
                    CertificatePem = table.Column<string>(type: "text", nullable: false),
                    CertificateNotAfter = table.Column<long>(type: "bigint", nullable: false),
                    EnrolledAt = table.Column<long>(type: "bigint", nullable: false),
                    Revoked = table.Column<bool>(type: "boolean", nullable: false),
                    RevokedAt = table.Column<long>(type: "bigint", nullable: true),
                    LastSeen = table.Column<long>(type: "bigint", nullable: true),
                    AgentVersion = table.Column<string>(type: "text", nullable: false),
                    OnnxRuntimeVersion = table.Column<string>(type: "text", nullable: false),
                    DatasetsJson = table.Column<string>(type: "text", nullable: false),
                    MaxConcurrentRuns = table.Column<int>(type: "integer", nullable: false),
                    AuditHeadSequence = table.Column<long>(type: "bigint", nullable: true),
                    AuditHeadSha256 = table.Column<string>(type: "text", nullable: true),
                    AuditHeadSignature = table.Column<byte[]>(type: "bytea", nullable: true),
                    AuditHeadRecordedAt = table.Column<long>(type: "bigint", nullable: true),
                    AuditWarning = table.Column<string>(type: "text", nullable: false),
                    AuditWarningAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_nodes", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "run_state_history",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    RunId = table.Column<string>(type: "text", nullable: false),
                    State = table.Column<string>(type: "text", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_run_state_history", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "runs",
                columns: table => new
                {
                    Id = table.Column<string>(type: "text", nullable: false),
                    EvaluationId = table.Column<string>(type: "text", nullable: false),
                    NodeName = table.Column<string>(type: "text", nullable: false),
                    Status = table.Column<string>(type: "text", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: false),
                    Done = table.Column<long>(type: "bigint", nullable: false),
                    Total = table.Column<long>(type: "bigint", nullable: false),
                    ProgressUnit = table.Column<string>(type: "text", nullable: false),
                    Attempts = table.Column<int>(type: "integer", nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false),
                    LeaseExpiresAt = table.Column<long>(type: "bigint", nullable: true),
                    WaitingSince = table.Column<long>(type: "bigint", nullable: true),
                    ResultJson = table.Column<string>(type: "text", nullable: false),
                    ResultSha256 = table.Column<string>(type: "text", nullable: false),
                    ManifestJson = table.Column<string>(type: "text", nullable: false),
                    Released_DocumentsRead = table.Column<long>(type: "bigint", nullable: true),
                    Released_Epsilon = table.Column<double>(type: "double precision", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_runs", x => x.Id);
                    table.ForeignKey(
                        name: "FK_runs_evaluations_EvaluationId",
                        column: x => x.EvaluationId,
                        principalTable: "evaluations",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_api_tokens_TokenSha256",
                table: "api_tokens",
                column: "TokenSha256",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_evaluations_CreatedAt",
                table: "evaluations",
                column: "CreatedAt");

            migrationBuilder.CreateIndex(
                name: "IX_nodes_CertificateSha256",
                table: "nodes",
                column: "CertificateSha256",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_nodes_Name",
                table: "nodes",
                column: "Name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_run_state_history_RunId",
                table: "run_state_history",
                column: "RunId");

            migrationBuilder.CreateIndex(
                name: "IX_runs_EvaluationId",
                table: "runs",
                column: "EvaluationId");

            migrationBuilder.CreateIndex(
                name: "IX_runs_LeaseExpiresAt",
                table: "runs",
                column: "LeaseExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_runs_NodeName_Status",
                table: "runs",
                columns: new[] { "NodeName", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "api_tokens");

            migrationBuilder.DropTable(
                name: "artifacts");

            migrationBuilder.DropTable(
                name: "enrollment_tokens");

            migrationBuilder.DropTable(
                name: "nodes");

            migrationBuilder.DropTable(
                name: "run_state_history");

            migrationBuilder.DropTable(
                name: "runs");

            migrationBuilder.DropTable(
                name: "evaluations");
        }
    }
}
