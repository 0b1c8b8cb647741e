{{/*
The coordinator's pod template, shared by the Deployment (one replica, deployment.yaml) and the StatefulSet (several
replicas, statefulset.yaml). Written at the indentation of a workload's spec.template.
*/}}
{{- define "partages-coordinator.podTemplate" }}
{{- $dataDir := include "partages-coordinator.dataDir" . }}
  template:
    metadata:
      {{- $annotations := dict }}
      {{- if .Values.metrics.prometheusAnnotations }}
      {{- $_ := set $annotations "prometheus.io/scrape" "true" }}
      {{- $_ := set $annotations "prometheus.io/scheme" "https" }}
      {{- $_ := set $annotations "prometheus.io/port" "7443" }}
      {{- $_ := set $annotations "prometheus.io/path" .Values.metrics.path }}
      {{- end }}
      {{- $annotations = merge $annotations (.Values.podAnnotations | default dict) }}
      {{- with $annotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      labels:
        {{- include "partages-coordinator.labels" . | nindent 8 }}
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      serviceAccountName: {{ include "partages-coordinator.serviceAccountName" . }}
      # The coordinator never talks to the Kubernetes API.
      automountServiceAccountToken: false
      {{- with .Values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      {{- if .Values.pki.existingSecret }}
      initContainers:
        # The provided certificates are mounted file by file into pki/ on the data volume. Create
        # pki/ first, as the coordinator's user, so that the directory is not created by the kubelet
        # as root and stays writable by the coordinator.
        - name: prepare-pki
          image: {{ include "partages-coordinator.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command: ["sh", "-c", "mkdir -p {{ $dataDir }}/pki && chmod 0700 {{ $dataDir }}/pki"]
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          resources:
            requests:
              cpu: 10m
              memory: 16Mi
            limits:
              memory: 64Mi
          volumeMounts:
            - name: data
              mountPath: {{ $dataDir }}
      {{- end }}
      containers:
        - name: coordinator
          image: {{ include "partages-coordinator.image" . | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          args:
            - serve
            - --data-dir
            - {{ $dataDir }}
            - --urls
            - https://0.0.0.0:7443
            {{- range .Values.extraArgs }}
            - {{ . | quote }}
            {{- end }}
          {{- $hostNames := .Values.serverHostNames | default list }}
          {{- if .Values.ingress.enabled }}
          {{- $hostNames = append $hostNames .Values.ingress.host }}
          {{- end }}
          {{- $hostNames = concat $hostNames (include "partages-coordinator.internalHostNames" . | fromYamlArray) }}
          {{- $hostNames = uniq $hostNames }}
          {{- if or $hostNames .Values.env .Values.database.existingSecret }}
          env:
            # Coordinator:ServerHostNames: the names in the self-issued server certificate.
            {{- range $i, $name := $hostNames }}
            - name: {{ printf "Coordinator__ServerHostNames__%d" $i }}
              value: {{ $name | quote }}
            {{- end }}
            {{- with .Values.database.existingSecret }}
            # PostgreSQL (required by several replicas): the connection string stays in its Secret.
            - name: Coordinator__Database__Provider
              value: postgresql
            - name: Coordinator__Database__ConnectionString
              valueFrom:
                secretKeyRef:
                  name: {{ . }}
                  key: {{ $.Values.database.connectionStringKey }}
            {{- end }}
            {{- with .Values.env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- end }}
          {{- with .Values.envFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            # The one port: TLS with ALPN (gRPC over HTTP/2, health/metrics/dashboard over HTTP/1.1).
            - name: https
              containerPort: 7443
              protocol: TCP
          {{- with .Values.startupProbe }}
          startupProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .Values.livenessProbe }}
          livenessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with .Values.readinessProbe }}
          readinessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          {{- with .Values.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: data
              mountPath: {{ $dataDir }}
            - name: tmp
              mountPath: /tmp
            {{- if .Values.pki.existingSecret }}
            # Provided PKI: one file per key (subPath), so pki/ itself stays on the data volume.
            {{- range .Values.pki.files }}
            - name: pki
              mountPath: {{ printf "%s/pki/%s" $dataDir . }}
              subPath: {{ . }}
              readOnly: true
            {{- end }}
            {{- end }}
            {{- with .Values.extraVolumeMounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        - name: data
          {{- if .Values.persistence.enabled }}
          persistentVolumeClaim:
            claimName: {{ include "partages-coordinator.claimName" . }}
          {{- else }}
          # persistence.enabled=false: state (database AND CA) is lost with the pod.
          emptyDir: {}
          {{- end }}
        - name: tmp
          emptyDir:
            sizeLimit: {{ .Values.tmpSizeLimit }}
        {{- if .Values.pki.existingSecret }}
        - name: pki
          secret:
            secretName: {{ .Values.pki.existingSecret }}
            defaultMode: 0440
            items:
              {{- range .Values.pki.files }}
              - key: {{ . }}
                path: {{ . }}
              {{- end }}
        {{- end }}
        {{- with .Values.extraVolumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
