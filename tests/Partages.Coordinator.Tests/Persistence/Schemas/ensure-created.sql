-- The schema a coordinator.db had when coordinators created it with EnsureCreated (the last such version, before
-- migrations): `dotnet ef dbcontext script` on that model. Kept as it was, so the upgrade tests start from the real
-- previous schema whatever the model becomes. Never edit it.
CREATE TABLE "api_tokens" (
    "Name" TEXT NOT NULL CONSTRAINT "PK_api_tokens" PRIMARY KEY,
    "TokenSha256" TEXT NOT NULL,
    "Role" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL
);

CREATE TABLE "artifacts" (
    "Sha256" TEXT NOT NULL CONSTRAINT "PK_artifacts" PRIMARY KEY,
    "SizeBytes" INTEGER NOT NULL,
    "MediaType" TEXT NOT NULL,
    "UploadedBy" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL
);

CREATE TABLE "enrollment_tokens" (
    "TokenSha256" TEXT NOT NULL CONSTRAINT "PK_enrollment_tokens" PRIMARY KEY,
    "NodeName" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "ExpiresAt" INTEGER NOT NULL,
    "UsedAt" INTEGER NULL
);

CREATE TABLE "evaluations" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_evaluations" PRIMARY KEY,
    "Name" TEXT NOT NULL,
    "SpecYaml" TEXT NOT NULL,
    "SpecSha256" TEXT NOT NULL,
    "ModelBundleSha256" TEXT NOT NULL,
    "ModelSignature" BLOB NULL,
    "Owner" TEXT NOT NULL,
    "Task" TEXT NOT NULL,
    "Dataset" TEXT NOT NULL,
    "LabelsJson" TEXT NOT NULL,
    "MinSites" INTEGER NOT NULL,
    "Status" TEXT NOT NULL,
    "Reason" TEXT NOT NULL,
    "CreatedAt" INTEGER NOT NULL,
    "Deadline" INTEGER NOT NULL,
    "CompletedAt" INTEGER NULL,
    "PooledResultJson" TEXT NOT NULL,
    "IncludedSitesJson" TEXT NOT NULL,
    "MissingSitesJson" TEXT NOT NULL,
    "TraceParent" TEXT NOT NULL
);

CREATE TABLE "nodes" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_nodes" PRIMARY KEY,
    "Name" TEXT NOT NULL,
    "CertificateSha256" TEXT NOT NULL,
    "CertificatePem" TEXT NOT NULL,
    "CertificateNotAfter" INTEGER NOT NULL,
    "EnrolledAt" INTEGER NOT NULL,
    "Revoked" INTEGER NOT NULL,
    "RevokedAt" INTEGER NULL,
    "LastSeen" INTEGER NULL,
    "AgentVersion" TEXT NOT NULL,
    "OnnxRuntimeVersion" TEXT NOT NULL,
    "DatasetsJson" TEXT NOT NULL,
    "MaxConcurrentRuns" INTEGER NOT NULL,
    "AuditHeadSequence" INTEGER NULL,
    "AuditHeadSha256" TEXT NULL,
    "AuditHeadSignature" BLOB NULL,
    "AuditHeadRecordedAt" INTEGER NULL,
    "AuditWarning" TEXT NOT NULL,
    "AuditWarningAt" INTEGER NULL
);

CREATE TABLE "run_state_history" (
    "Id" INTEGER NOT NULL CONSTRAINT "PK_run_state_history" PRIMARY KEY AUTOINCREMENT,
    "RunId" TEXT NOT NULL,
    "State" TEXT NOT NULL,
    "Reason" TEXT NOT NULL,
    "At" INTEGER NOT NULL
);

CREATE TABLE "runs" (
    "Id" TEXT NOT NULL CONSTRAINT "PK_runs" PRIMARY KEY,
    "EvaluationId" TEXT NOT NULL,
    "NodeName" TEXT NOT NULL,
    "Status" TEXT NOT NULL,
    "Reason" TEXT NOT NULL,
    "Done" INTEGER NOT NULL,
    "Total" INTEGER NOT NULL,
    "ProgressUnit" TEXT NOT NULL,
    "Attempts" INTEGER NOT NULL,
    "UpdatedAt" INTEGER NOT NULL,
    "LeaseExpiresAt" INTEGER NULL,
    "WaitingSince" INTEGER NULL,
    "ResultJson" TEXT NOT NULL,
    "ResultSha256" TEXT NOT NULL,
    "ManifestJson" TEXT NOT NULL,
    "Released_DocumentsRead" INTEGER NULL,
    "Released_Epsilon" REAL NULL,
    CONSTRAINT "FK_runs_evaluations_EvaluationId" FOREIGN KEY ("EvaluationId") REFERENCES "evaluations" ("Id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_api_tokens_TokenSha256" ON "api_tokens" ("TokenSha256");

CREATE INDEX "IX_evaluations_CreatedAt" ON "evaluations" ("CreatedAt");

CREATE UNIQUE INDEX "IX_nodes_CertificateSha256" ON "nodes" ("CertificateSha256");

CREATE UNIQUE INDEX "IX_nodes_Name" ON "nodes" ("Name");

CREATE INDEX "IX_run_state_history_RunId" ON "run_state_history" ("RunId");

CREATE INDEX "IX_runs_EvaluationId" ON "runs" ("EvaluationId");

CREATE INDEX "IX_runs_LeaseExpiresAt" ON "runs" ("LeaseExpiresAt");

CREATE INDEX "IX_runs_NodeName_Status" ON "runs" ("NodeName", "Status");

