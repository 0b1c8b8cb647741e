using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Partages.Coordinator.Persistence;

/// <summary>
/// Everything the coordinator must not lose: by default one SQLite file, <c>&lt;data-dir&gt;/coordinator.db</c>, or a
/// PostgreSQL database (<see cref="DatabaseOptions"/>). Abstract: each provider has its own subclass
/// (ProviderContexts.cs) so that each has its own migrations set (Migrations/Sqlite, Migrations/PostgreSql), as EF
/// Core finds a context's migrations by its type. The model is the same for both.
/// </summary>
public abstract class CoordinatorDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<NodeEntity> Nodes => Set<NodeEntity>();
    public DbSet<EnrollmentTokenEntity> EnrollmentTokens => Set<EnrollmentTokenEntity>();
    public DbSet<ApiTokenEntity> ApiTokens => Set<ApiTokenEntity>();
    public DbSet<ArtifactEntity> Artifacts => Set<ArtifactEntity>();
    public DbSet<EvaluationEntity> Evaluations => Set<EvaluationEntity>();
    public DbSet<RunEntity> Runs => Set<RunEntity>();
    public DbSet<RunStateHistoryEntity> RunStateHistory => Set<RunStateHistoryEntity>();
    public DbSet<CertificateEventEntity> CertificateEvents => Set<CertificateEventEntity>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        // SQLite has no date type: store instants as sortable integers so queries can compare them.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
        configurationBuilder.Properties<RunStatus>().HaveConversion<string>();
        configurationBuilder.Properties<EvaluationStatus>().HaveConversion<string>();
        configurationBuilder.Properties<ApiRole>().HaveConversion<string>();
        configurationBuilder.Properties<RunProgressUnit>().HaveConversion<string>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<NodeEntity>(e =>
        {
            e.ToTable("nodes");
            e.HasKey(n => n.Id);
            e.HasIndex(n => n.Name).IsUnique();
            e.HasIndex(n => n.CertificateSha256).IsUnique();
            e.HasIndex(n => n.PreviousCertificateSha256);
        });
        modelBuilder.Entity<EnrollmentTokenEntity>(e =>
        {
            e.ToTable("enrollment_tokens");
            e.HasKey(t => t.TokenSha256);
        });
        modelBuilder.Entity<ApiTokenEntity>(e =>
        {
            e.ToTable("api_tokens");
            e.HasKey(t => t.Name);
            e.HasIndex(t => t.TokenSha256).IsUnique();
        });
        modelBuilder.Entity<ArtifactEntity>(e =>
        {
            e.ToTable("artifacts");
            e.HasKey(a => a.Sha256);
        });
        modelBuilder.Entity<EvaluationEntity>(e =>
        {
            e.ToTable("evaluations");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.CreatedAt);
            e.HasMany(x => x.Runs).WithOne(r => r.Evaluation).HasForeignKey(r => r.EvaluationId);
        });
        modelBuilder.Entity<RunEntity>(e =>
        {
            e.ToTable("runs");
            e.HasKey(r => r.Id);
            e.HasIndex(r => new { r.NodeName, r.Status });
            e.HasIndex(r => r.LeaseExpiresAt);
            e.ComplexProperty(r => r.Released);
        });
        modelBuilder.Entity<RunStateHistoryEntity>(e =>
        {
            e.ToTable("run_state_history");
            e.HasKey(h => h.Id);
            e.Property(h => h.Id).ValueGeneratedOnAdd();
            e.HasIndex(h => h.RunId);
        });
        modelBuilder.Entity<CertificateEventEntity>(e =>
        {
            e.ToTable("certificate_events");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedOnAdd();
            e.HasIndex(x => new { x.NodeName, x.At });
        });
    }
}
