using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Partages.Coordinator.Persistence.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class NodeCertificateRenewal : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "CertificateIssuerSha256",
                table: "nodes",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<long>(
                name: "CertificateRenewedAt",
                table: "nodes",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PreviousCertificateNotAfter",
                table: "nodes",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PreviousCertificatePem",
                table: "nodes",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PreviousCertificateSha256",
                table: "nodes",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "certificate_events",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    NodeName = table.Column<string>(type: "text", nullable: false),
                    Kind = table.Column<string>(type: "text", nullable: false),
                    CertificateSha256 = table.Column<string>(type: "text", nullable: false),
                    Detail = table.Column<string>(type: "text", nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_certificate_events", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_nodes_PreviousCertificateSha256",
                table: "nodes",
                column: "PreviousCertificateSha256");

            migrationBuilder.CreateIndex(
                name: "IX_certificate_events_NodeName_At",
                table: "certificate_events",
                columns: new[] { "NodeName", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "certificate_events");

            migrationBuilder.DropIndex(
                name: "IX_nodes_PreviousCertificateSha256",
                table: "nodes");

            migrationBuilder.DropColumn(
                name: "CertificateIssuerSha256",
                table: "nodes");

            migrationBuilder.DropColumn(
                name: "CertificateRenewedAt",
                table: "nodes");

            migrationBuilder.DropColumn(
                name: "PreviousCertificateNotAfter",
                table: "nodes");

            migrationBuilder.DropColumn(
                name: "PreviousCertificatePem",
                table: "nodes");

            migrationBuilder.DropColumn(
                name: "PreviousCertificateSha256",
                table: "nodes");
        }
    }
}
