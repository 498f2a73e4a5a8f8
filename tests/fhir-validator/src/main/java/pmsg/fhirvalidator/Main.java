package pmsg.fhirvalidator;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Offline HL7 FHIR R4 validator for pmsg's chart export.
 *
 * <pre>
 * java -jar fhir-validator.jar [--verbose] [--strict-refs] [--timing] PATH...
 * </pre>
 *
 * Each PATH is a .json file or a folder (every *.json directly in it, sorted by name).
 * Exit codes: 0 all valid, 1 at least one file has an ERROR/FATAL message, 2 usage error,
 * unreadable file or no files found, 3 the validator itself failed to start.
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_INVALID = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_INTERNAL = 3;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = false;
        boolean timing = false;
        boolean strictRefs = false;
        List<String> paths = new ArrayList<>();
        boolean endOfOptions = false;
        for (String a : args) {
            if (!endOfOptions && a.startsWith("-")) {
                switch (a) {
                    case "--verbose", "-v" -> verbose = true;
                    case "--timing" -> timing = true;
                    case "--strict-refs" -> strictRefs = true;
                    case "--" -> endOfOptions = true;
                    case "--help", "-h" -> {
                        usage(out);
                        return EXIT_USAGE;
                    }
                    default -> {
                        err.println("error: unknown option " + a);
                        usage(err);
                        return EXIT_USAGE;
                    }
                }
            } else {
                paths.add(a);
            }
        }
        if (paths.isEmpty()) {
            usage(err);
            return EXIT_USAGE;
        }

        // Collect and read every file first, so that usage problems are reported before the slow startup.
        List<Path> files = new ArrayList<>();
        for (String p : paths) {
            Path path = Path.of(p);
            if (Files.isDirectory(path)) {
                try (Stream<Path> s = Files.list(path)) {
                    List<Path> found = s.filter(f -> f.getFileName().toString().endsWith(".json"))
                            .filter(Files::isRegularFile)
                            .sorted((x, y) -> x.getFileName().toString().compareTo(y.getFileName().toString()))
                            .toList();
                    if (found.isEmpty()) {
                        err.println("error: no *.json files in " + p);
                        return EXIT_USAGE;
                    }
                    files.addAll(found);
                } catch (IOException e) {
                    err.println("error: cannot list " + p + ": " + e.getMessage());
                    return EXIT_USAGE;
                }
            } else if (Files.isRegularFile(path)) {
                files.add(path);
            } else {
                err.println("error: no such file or folder: " + p);
                return EXIT_USAGE;
            }
        }
        List<String> contents = new ArrayList<>();
        for (Path f : files) {
            try {
                contents.add(Files.readString(f, StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.println("error: cannot read " + f + ": " + e.getMessage());
                return EXIT_USAGE;
            }
        }

        long t0 = System.nanoTime();
        FhirValidator validator;
        try {
            validator = newValidator();
        } catch (RuntimeException | LinkageError e) {
            // Not "invalid input": the harness itself is broken (e.g. a missing runtime dependency).
            err.println("error: cannot start the FHIR validator: " + e);
            return EXIT_INTERNAL;
        }
        long t1 = System.nanoTime();

        int valid = 0;
        int invalid = 0;
        for (int i = 0; i < files.size(); i++) {
            long ts = System.nanoTime();
            List<SingleValidationMessage> messages = new ArrayList<>(validate(validator, contents.get(i)));
            if (strictRefs) {
                messages.addAll(checkBundleReferences(contents.get(i)));
            }
            long te = System.nanoTime();
            boolean ok = messages.stream().noneMatch(Main::isError);
            out.println((ok ? "OK " : "INVALID ") + files.get(i)
                    + (timing ? String.format(" (%d ms)", (te - ts) / 1_000_000) : ""));
            for (SingleValidationMessage m : messages) {
                if (verbose || isError(m)) {
                    out.println("  " + m.getSeverity().name() + " " + location(m) + ": " + m.getMessage());
                }
            }
            if (ok) {
                valid++;
            } else {
                invalid++;
            }
        }
        if (timing) {
            err.printf("timing: validator startup %d ms, %d file(s) in %d ms%n",
                    (t1 - t0) / 1_000_000, files.size(), (System.nanoTime() - t1) / 1_000_000);
        }
        out.println(valid + " valid, " + invalid + " invalid");
        out.flush();
        return invalid == 0 ? EXIT_OK : EXIT_INVALID;
    }

    /** Builds the fully offline R4 validator: base profiles, built-in code systems, in-memory value sets. */
    public static FhirValidator newValidator() {
        FhirContext ctx = FhirContext.forR4();
        ValidationSupportChain chain = new ValidationSupportChain(
                new DefaultProfileValidationSupport(ctx),
                new CommonCodeSystemsTerminologyService(ctx),
                new InMemoryTerminologyServerValidationSupport(ctx),
                new SnapshotGeneratingValidationSupport(ctx));
        FhirInstanceValidator module = new FhirInstanceValidator(chain);
        // Unknown extensions are errors: the exporter should not invent extensions that nobody defines.
        module.setAnyExtensionsAllowed(false);
        FhirValidator validator = ctx.newValidator();
        validator.registerValidatorModule(module);
        // Warm up once (loads the StructureDefinitions and ValueSets) so the first file isn't billed for it.
        validator.validateWithResult("{\"resourceType\":\"Basic\",\"code\":{\"text\":\"warm-up\"}}");
        return validator;
    }

    public static List<SingleValidationMessage> validate(FhirValidator validator, String json) {
        try {
            ValidationResult result = validator.validateWithResult(json);
            return result.getMessages();
        } catch (RuntimeException e) {
            // Unparseable input (not JSON, unknown resourceType...) is reported as an invalid file.
            SingleValidationMessage m = new SingleValidationMessage();
            m.setSeverity(ResultSeverityEnum.FATAL);
            m.setLocationString("(file)");
            m.setMessage(e.getClass().getSimpleName() + ": " + e.getMessage());
            return List.of(m);
        }
    }

    /**
     * pmsg rule, stricter than HAPI (opt-in with --strict-refs): inside a Bundle, every Reference.reference
     * must be either "#id" (a contained resource; HAPI checks those) or exactly the fullUrl of an entry.
     * HAPI itself only WARNS about a urn:uuid: reference with no matching entry, and says nothing at all
     * about an unresolved relative reference such as "Patient/E100".
     */
    public static List<SingleValidationMessage> checkBundleReferences(String json) {
        List<SingleValidationMessage> out = new ArrayList<>();
        JsonObject bundle;
        try {
            JsonElement root = JsonParser.parseString(json);
            if (!root.isJsonObject()) {
                return out;
            }
            bundle = root.getAsJsonObject();
        } catch (RuntimeException e) {
            return out; // already reported as FATAL by the parser
        }
        if (!bundle.has("resourceType") || !"Bundle".equals(asString(bundle.get("resourceType")))
                || !bundle.has("entry") || !bundle.get("entry").isJsonArray()) {
            return out;
        }
        JsonArray entries = bundle.getAsJsonArray("entry");
        Set<String> fullUrls = new HashSet<>();
        for (JsonElement e : entries) {
            if (e.isJsonObject() && e.getAsJsonObject().has("fullUrl")) {
                fullUrls.add(asString(e.getAsJsonObject().get("fullUrl")));
            }
        }
        for (int i = 0; i < entries.size(); i++) {
            JsonElement e = entries.get(i);
            if (e.isJsonObject() && e.getAsJsonObject().has("resource")) {
                collectReferences(e.getAsJsonObject().get("resource"), "Bundle.entry[" + i + "].resource", fullUrls, out);
            }
        }
        return out;
    }

    private static void collectReferences(JsonElement el, String path, Set<String> fullUrls,
                                          List<SingleValidationMessage> out) {
        if (el.isJsonArray()) {
            JsonArray a = el.getAsJsonArray();
            for (int i = 0; i < a.size(); i++) {
                collectReferences(a.get(i), path + "[" + i + "]", fullUrls, out);
            }
        } else if (el.isJsonObject()) {
            for (Map.Entry<String, JsonElement> kv : el.getAsJsonObject().entrySet()) {
                String key = kv.getKey();
                JsonElement v = kv.getValue();
                if ("contained".equals(key)) {
                    continue; // a contained resource referring outwards is unusual; HAPI checks the rest
                }
                if ("reference".equals(key) && v.isJsonPrimitive() && v.getAsJsonPrimitive().isString()) {
                    String ref = v.getAsString();
                    if (!ref.startsWith("#") && !fullUrls.contains(ref)) {
                        SingleValidationMessage m = new SingleValidationMessage();
                        m.setSeverity(ResultSeverityEnum.ERROR);
                        m.setLocationString(path + ".reference");
                        m.setMessage("reference '" + ref + "' is not the fullUrl of any entry in this Bundle"
                                + " (pmsg --strict-refs)");
                        out.add(m);
                    }
                } else {
                    collectReferences(v, path + "." + key, fullUrls, out);
                }
            }
        }
    }

    private static String asString(JsonElement e) {
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    static boolean isError(SingleValidationMessage m) {
        return m.getSeverity() == ResultSeverityEnum.ERROR || m.getSeverity() == ResultSeverityEnum.FATAL;
    }

    private static String location(SingleValidationMessage m) {
        String loc = m.getLocationString();
        if (loc == null || loc.isEmpty()) {
            loc = "(file)";
        }
        if (m.getLocationLine() != null && m.getLocationLine() > 0) {
            loc += " [line " + m.getLocationLine() + "]";
        }
        return loc;
    }

    private static void usage(PrintStream s) {
        s.println("usage: java -jar fhir-validator.jar [--verbose] [--strict-refs] [--timing] PATH...");
        s.println("  PATH           a .json file, or a folder (every *.json in it, sorted by name)");
        s.println("  --verbose      also list WARNING and INFORMATION messages");
        s.println("  --strict-refs  also fail any Bundle reference that is not '#id' or an entry's fullUrl");
        s.println("  --timing       print per-file times, and startup time on stderr");
        s.println("exit: 0 all valid, 1 some file invalid, 2 usage error / unreadable file / no files,");
        s.println("      3 the validator failed to start");
    }
}
