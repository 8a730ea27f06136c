package io.allas.server.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.allas.server.config.AllasConfig;
import io.allas.server.config.ConfigLoader;
import io.allas.server.config.ListenAddress;
import io.allas.testing.Exec;
import io.allas.testing.Scrape;
import io.allas.testing.SourceTree;
import io.allas.testing.TestRelay;

/**
 * The files under {@code deploy/}, checked with the tools that will read them: the systemd unit
 * with {@code systemd-analyze verify}, the alert rules with {@code promtool}, and the metric names
 * of the rules and the Grafana dashboard against what a running relay exports, the Kubernetes
 * manifests with Kubernetes's model classes (fabric8) and allas's own configuration loader.
 */
class DeploymentFilesTest {

    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Path DEPLOY = SourceTree.root().resolve("deploy");
    private static final Path RULES = DEPLOY.resolve("prometheus/allas-alerts.yml");
    private static final Path RULE_TESTS = DEPLOY.resolve("prometheus/allas-alerts.test.yml");
    private static final Path DASHBOARD = DEPLOY.resolve("prometheus/allas-dashboard.json");

    @TempDir
    Path directory;

    /**
     * {@code systemd-analyze verify} needs the program to exist: the unit's /opt/allas/allas is
     * pointed at the launcher in this tree, the file the installation copies there.
     */
    @Test
    void systemdUnitVerifies() throws Exception {
        String unit = Files.readString(DEPLOY.resolve("systemd/allas.service"));
        assertTrue(unit.contains("\nExecStart=/opt/allas/allas /etc/allas/allas.json\n"), unit);
        assertTrue(unit.contains("\nExecReload=/bin/kill -HUP $MAINPID\n"), unit);
        assertTrue(unit.contains("\nType=exec\n"), unit);
        Path launcher = SourceTree.serverModule().resolve("bin/allas");
        Path copy = directory.resolve("allas.service");
        Files.writeString(copy, unit.replace("/opt/allas/allas", launcher.toString()));
        Exec.Result result = Exec.run(List.of(tool("systemd-analyze", "systemd"), "verify", "--man=no",
                copy.toString()), directory, TOOL_TIMEOUT);
        assertEquals(0, result.exitCode(), result.output());
        // Unknown keys and bad values are warnings that leave the exit code at 0.
        assertEquals("", result.output().strip());
    }

    @Test
    void alertRulesPassPromtoolCheckAndTheirTests() {
        String promtool = tool("promtool", "prometheus");
        Exec.Result check = Exec.run(List.of(promtool, "check", "rules", RULES.toString()), directory, TOOL_TIMEOUT);
        assertEquals(0, check.exitCode(), check.output());
        Exec.Result tests = Exec.run(List.of(promtool, "test", "rules", RULE_TESTS.getFileName().toString()),
                RULE_TESTS.getParent(), TOOL_TIMEOUT);
        assertEquals(0, tests.exitCode(), tests.output());
        // A test per alert.
        Set<String> alerts = names(RULES, Pattern.compile("- alert: (\\w+)"));
        Set<String> tested = names(RULE_TESTS, Pattern.compile("alertname: (\\w+)"));
        assertEquals(alerts, tested);
    }

    @Test
    void everyMetricTheRulesAndTheDashboardUseExistsOnARunningRelay() throws Exception {
        Set<String> used = new TreeSet<>();
        used.addAll(names(RULES, Pattern.compile("\\b(allas_\\w+)")));
        used.addAll(names(DASHBOARD, Pattern.compile("\\b(allas_\\w+)")));
        assertTrue(used.size() > 10, used.toString());
        Set<String> exported = new TreeSet<>();
        try (TestRelay relay = TestRelay.builder().trust("app").prometheus().start()) {
            String body = Scrape.get(relay.httpPort(), "/metrics").body();
            for (String line : body.split("\n")) {
                if (!line.isEmpty() && !line.startsWith("#")) {
                    exported.add(line.split("[{ ]", 2)[0]);
                }
            }
        }
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(exported);
        assertEquals(Set.of(), missing, "exported: " + exported);
    }

    /**
     * Every manifest read with fabric8's Kubernetes model classes, strictly (a field the model does
     * not know is an error, where fabric8 would keep it aside); the ports, probe paths, selectors and
     * the configuration they name agree with each other and with allas: the ConfigMap's allas.json,
     * with the ConfigMap's and the Secret's ALLAS_* overrides, loads with allas's own loader, and the
     * probe paths answer on a running relay.
     */
    @Test
    void kubernetesManifestsLoadStrictlyAndAgreeWithAllas() throws Exception {
        Map<String, HasMetadata> resources = new TreeMap<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                for (HasMetadata resource : manifests(Files.readString(file))) {
                    if (!(resource instanceof GenericKubernetesResource)) {
                        assertNoUnknownFields(resource, file.getFileName() + ":" + resource.getKind());
                    }
                    resources.put(resource.getKind() + "/" + resource.getMetadata().getName(), resource);
                }
            }
        }
        assertEquals(Set.of("ConfigMap/allas", "ConfigMap/allas-env", "Deployment/allas", "PodDisruptionBudget/allas",
                "Secret/allas", "Service/allas", "ServiceMonitor/allas"), resources.keySet());

        Deployment deployment = (Deployment) resources.get("Deployment/allas");
        PodSpec pod = deployment.getSpec().getTemplate().getSpec();
        Container container = pod.getContainers().getFirst();
        Map<String, Integer> ports = new TreeMap<>();
        container.getPorts().forEach(port -> ports.put(port.getName(), port.getContainerPort()));

        // The configuration the pod runs with: the mounted allas.json and the overrides from envFrom.
        assertEquals(List.of("allas-env"), container.getEnvFrom().stream().filter(e -> e.getConfigMapRef() != null)
                .map(e -> e.getConfigMapRef().getName()).toList());
        assertEquals(List.of("allas"), container.getEnvFrom().stream().filter(e -> e.getSecretRef() != null)
                .map(e -> e.getSecretRef().getName()).toList());
        String mount = container.getVolumeMounts().stream().filter(m -> m.getName().equals("config")).findFirst()
                .orElseThrow().getMountPath();
        assertEquals(List.of(mount + "/allas.json"), container.getArgs());
        assertEquals("allas", pod.getVolumes().stream().filter(v -> v.getName().equals("config")).findFirst()
                .orElseThrow().getConfigMap().getName());
        Map<String, String> environment = new TreeMap<>(((ConfigMap) resources.get("ConfigMap/allas-env")).getData());
        environment.putAll(((Secret) resources.get("Secret/allas")).getStringData());
        Path file = directory.resolve("allas.json");
        Files.writeString(file, ((ConfigMap) resources.get("ConfigMap/allas")).getData().get("allas.json"));
        List<String> warnings = new ArrayList<>();
        AllasConfig config = ConfigLoader.load(file, environment, warnings);
        assertEquals(List.of(), warnings);
        assertEquals(environment.get("ALLAS_CONNECT"), config.connect());
        assertEquals(ports.get("postgres"), ((ListenAddress.Tcp) config.listen()).port());
        assertEquals(ports.get("metrics"), config.prometheus().orElseThrow().port());

        // Probes on the metrics port, at paths a relay answers; time to stop before the pod is killed.
        Probe readiness = container.getReadinessProbe();
        Probe liveness = container.getLivenessProbe();
        assertEquals("metrics", readiness.getHttpGet().getPort().getStrVal());
        assertEquals("metrics", liveness.getHttpGet().getPort().getStrVal());
        try (TestRelay relay = TestRelay.builder().trust("app").prometheus().start()) {
            for (Probe probe : List.of(readiness, liveness)) {
                assertEquals(200, Scrape.get(relay.httpPort(), probe.getHttpGet().getPath()).statusCode(),
                        probe.getHttpGet().getPath());
            }
        }
        assertEquals("/observe/health/ready", readiness.getHttpGet().getPath());
        long preStop = container.getLifecycle().getPreStop().getSleep().getSeconds();
        // allas's own stop takes 3 s at most for clients that do not read (README, "Stopping").
        assertTrue(pod.getTerminationGracePeriodSeconds() >= preStop + 3 + 5, "grace period");
        assertTrue(container.getResources().getLimits().containsKey("memory"), "a memory limit");

        // The Service, the budget and the monitor select the pods and name their ports.
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        Service service = (Service) resources.get("Service/allas");
        assertEquals(podLabels, service.getSpec().getSelector());
        for (ServicePort port : service.getSpec().getPorts()) {
            assertEquals(ports.get(port.getTargetPort().getStrVal()), port.getPort(), port.getName());
        }
        assertEquals(podLabels, ((PodDisruptionBudget) resources.get("PodDisruptionBudget/allas")).getSpec()
                .getSelector().getMatchLabels());
        GenericKubernetesResource monitor = (GenericKubernetesResource) resources.get("ServiceMonitor/allas");
        assertEquals("monitoring.coreos.com/v1", monitor.getApiVersion());
        assertEquals(podLabels, monitor.get("spec", "selector", "matchLabels"));
        assertEquals("metrics", monitor.get("spec", "endpoints", 0, "port"));
        assertEquals("/metrics", monitor.get("spec", "endpoints", 0, "path"));
        assertEquals(Set.of("jobLabel", "selector", "endpoints"), ((Map<?, ?>) monitor.get("spec")).keySet());
    }

    @Test
    void theStrictReadingFindsAMisspelledField() {
        HasMetadata service = manifests("""
                apiVersion: v1
                kind: Service
                metadata: {name: allas}
                spec:
                  ports: [{name: postgres, port: 6433, targetPrt: postgres}]
                """).getFirst();
        AssertionError e = assertThrows(AssertionError.class, () -> assertNoUnknownFields(service, "Service"));
        assertTrue(e.getMessage().contains("targetPrt"), e.getMessage());
    }

    private static List<HasMetadata> manifests(String yaml) {
        Object parsed = new KubernetesSerialization().unmarshal(yaml);
        if (parsed instanceof List<?> list) {
            return list.stream().map(HasMetadata.class::cast).toList();
        }
        return List.of((HasMetadata) parsed);
    }

    /**
     * fabric8's models keep fields they do not know in {@code additionalProperties} rather than
     * failing: walk the object tree and fail on any.
     */
    private static void assertNoUnknownFields(Object value, String path) {
        switch (value) {
            case null -> {
                return;
            }
            case Collection<?> elements -> {
                int i = 0;
                for (Object element : elements) {
                    assertNoUnknownFields(element, path + "[" + i++ + "]");
                }
                return;
            }
            case Map<?, ?> map -> {
                map.forEach((key, element) -> assertNoUnknownFields(element, path + "." + key));
                return;
            }
            default -> {
            }
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(getter.toString(), e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                assertEquals(Map.of(), child, "fields the Kubernetes model does not know at " + path);
            } else {
                assertNoUnknownFields(child, path + "." + getter.getName().substring(3));
            }
        }
    }

    private static Set<String> names(Path file, Pattern pattern) throws java.io.UncheckedIOException {
        String text;
        try {
            text = Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Set<String> names = new TreeSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    private static String tool(String command, String debianPackage) {
        for (String directory : List.of("/usr/bin", "/usr/sbin", "/bin")) {
            if (Files.isExecutable(Path.of(directory, command))) {
                return Path.of(directory, command).toString();
            }
        }
        throw new AssertionError("this test runs " + command + ": install it (Debian: apt-get install "
                + debianPackage + "; .ci/run does)");
    }
}
