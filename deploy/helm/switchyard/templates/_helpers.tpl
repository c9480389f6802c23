{{/* Names and labels. */}}
{{- define "switchyard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "switchyard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "gateway") */}}
{{- define "switchyard.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "switchyard.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* What each service is: its module, the port of its HTTP app (if any), where its metrics and health answer,
     and whether it calls vendors (only those pods get vendor credentials). Fixed by the code, not a value. */}}
{{- define "switchyard.components" -}}
gateway:
  module: services.gateway
  port: 8000
  metricsPort: 8000
  readiness: /readyz
  liveness: /healthz
  vendors: false
scheduler:
  module: services.scheduler
  port: 8103
  metricsPort: 9101
  readiness: /healthz
  liveness: /healthz
  vendors: true
watcher:
  module: services.watcher
  metricsPort: 9102
  readiness: /metrics
  liveness: /metrics
  vendors: true
billing:
  module: services.billing
  port: 8101
  metricsPort: 8101
  readiness: /healthz
  liveness: /healthz
  vendors: false
notifier:
  module: services.notifier
  port: 8102
  metricsPort: 8102
  readiness: /healthz
  liveness: /healthz
  vendors: false
{{- end -}}

{{- define "switchyard.adminTokenSecret" -}}
{{- if .Values.adminToken.existingSecret -}}
{{ .Values.adminToken.existingSecret }}
{{- else -}}
{{ include "switchyard.fullname" . }}-admin
{{- end -}}
{{- end -}}

{{- define "switchyard.vendorSecret" -}}
{{- if .Values.vendors.existingSecret -}}
{{ .Values.vendors.existingSecret }}
{{- else -}}
{{ include "switchyard.fullname" . }}-vendors
{{- end -}}
{{- end -}}

{{/* The database URL, from its Secret: every pod and the migrations Job. */}}
{{- define "switchyard.databaseEnv" -}}
- name: SWITCHYARD_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "database.existingSecret is required (CloudNativePG: <cluster>-app)" .Values.database.existingSecret }}
      key: {{ .Values.database.urlKey }}
{{- end -}}

{{/* The settings the migrations Job needs, as plain env (it runs before the ConfigMap exists on a first install). */}}
{{- define "switchyard.kafkaEnv" -}}
- name: SWITCHYARD_KAFKA_BOOTSTRAP_SERVERS
  value: {{ .Values.kafka.bootstrapServers | quote }}
- name: SWITCHYARD_KAFKA_PARTITIONS
  value: {{ .Values.kafka.partitions | quote }}
- name: SWITCHYARD_KAFKA_REPLICATION_FACTOR
  value: {{ .Values.kafka.replicationFactor | quote }}
- name: SWITCHYARD_KAFKA_MIN_INSYNC_REPLICAS
  value: {{ .Values.kafka.minInsyncReplicas | quote }}
- name: SWITCHYARD_TOPIC_PREFIX
  value: {{ .Values.kafka.topicPrefix | quote }}
{{- end -}}
