"""Objects of every kind the detail pages show, in a namespace of their own on the shared
sandbox (the `workspace` and `console` fixtures in tests/conftest.py apply them and point the
console at them)."""

from __future__ import annotations

import base64
import subprocess
from dataclasses import dataclass
from typing import Any

from tests.helpers.cluster import KUBECTL
from tests.helpers.sandbox import SandboxHandle

NAMESPACE = "pages-test"
# Put in a Secret that the pod references: no page may ever show it, in any encoding.
SECRET_VALUE = "hunter2-Sekr1t-7c4f9e"
SECRET_B64 = base64.b64encode(SECRET_VALUE.encode()).decode()

MANIFESTS = f"""
apiVersion: v1
kind: Namespace
metadata: {{name: {NAMESPACE}}}
---
apiVersion: v1
kind: Secret
metadata: {{name: db-credentials, namespace: {NAMESPACE}}}
type: Opaque
data: {{password: {SECRET_B64}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: web-config, namespace: {NAMESPACE}}}
data: {{mode: fast, LOG_LEVEL: info}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: {NAMESPACE}, labels: {{app: web}}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  strategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: 1, maxUnavailable: 0}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      imagePullSecrets: [{{name: regcred}}]
      containers:
        - name: app
          image: registry.local/web:1.0
          ports: [{{name: http, containerPort: 8080}}]
          env:
            - {{name: LITERAL, value: plain-text}}
            - name: DB_PASSWORD
              valueFrom: {{secretKeyRef: {{name: db-credentials, key: password}}}}
            - name: MODE
              valueFrom: {{configMapKeyRef: {{name: web-config, key: mode}}}}
          envFrom: [{{secretRef: {{name: db-credentials}}}}, {{configMapRef: {{name: web-config}}}}]
          resources:
            requests: {{cpu: 100m, memory: 64Mi}}
            limits: {{cpu: 500m, memory: 128Mi}}
          livenessProbe:
            httpGet: {{path: /healthz, port: 8080}}
            initialDelaySeconds: 7
            periodSeconds: 11
            failureThreshold: 4
          readinessProbe:
            tcpSocket: {{port: 8080}}
            initialDelaySeconds: 2
          volumeMounts: [{{name: certs, mountPath: /certs}}]
        - name: sidecar
          image: registry.local/redis:7
      volumes:
        - name: certs
          secret: {{secretName: web-tls}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: crashy, namespace: {NAMESPACE}}}
spec:
  replicas: 1
  selector: {{matchLabels: {{app: crashy}}}}
  template:
    metadata:
      labels: {{app: crashy}}
      annotations: {{sandbox.opsconsole.io/crash: "true"}}
    spec:
      containers: [{{name: main, image: registry.local/crashy:1.0}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: {NAMESPACE}}}
spec:
  selector: {{app: web}}
  ports: [{{name: http, port: 80, targetPort: 8080}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent, namespace: {NAMESPACE}}}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  template:
    metadata: {{labels: {{app: agent}}}}
    spec:
      containers: [{{name: agent, image: registry.local/agent:1.0}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: store, namespace: {NAMESPACE}}}
spec:
  replicas: 1
  serviceName: store
  selector: {{matchLabels: {{app: store}}}}
  template:
    metadata: {{labels: {{app: store}}}}
    spec:
      containers: [{{name: db, image: registry.local/postgres:16}}]
---
apiVersion: batch/v1
kind: Job
metadata: {{name: once, namespace: {NAMESPACE}}}
spec:
  template:
    metadata: {{annotations: {{sandbox.opsconsole.io/duration-seconds: "1"}}}}
    spec:
      restartPolicy: Never
      containers: [{{name: task, image: registry.local/train:1.0}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {{name: nightly, namespace: {NAMESPACE}}}
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{{name: task, image: registry.local/backtest:1.0}}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {{name: web, namespace: {NAMESPACE}}}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: web}}
  minReplicas: 2
  maxReplicas: 5
  metrics:
    - type: Resource
      resource: {{name: cpu, target: {{type: Utilization, averageUtilization: 70}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: {NAMESPACE}}}
spec:
  rules:
    - host: web.example.test
      http:
        paths:
          - path: /
            pathType: Prefix
            backend: {{service: {{name: web, port: {{number: 80}}}}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data, namespace: {NAMESPACE}}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}
"""


def kubectl(handle: SandboxHandle, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(handle.kubeconfig), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def get(handle: SandboxHandle, path: str) -> Any:
    """The API server's JSON for a path, read with the official client."""
    with handle.api_client() as api:
        return api.call_api(
            path,
            "GET",
            auth_settings=["BearerToken"],
            response_types_map={200: "object"},
            _return_http_data_only=True,
        )


@dataclass(frozen=True)
class Workspace:
    sandbox: SandboxHandle
    namespace: str = NAMESPACE

    def pods(self, selector: str) -> list[dict[str, Any]]:
        path = f"/api/v1/namespaces/{self.namespace}/pods?labelSelector={selector}"
        return list(get(self.sandbox, path)["items"])

    def running_pod(self, selector: str) -> str:
        def ready() -> str:
            for pod in self.pods(selector):
                if pod.get("status", {}).get("phase") == "Running":
                    return str(pod["metadata"]["name"])
            return ""

        return str(self.sandbox.wait_for(ready))
