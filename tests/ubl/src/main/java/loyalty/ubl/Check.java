package loyalty.ubl;

import java.io.File;
import java.util.Arrays;
import java.util.Locale;

import com.helger.diver.api.coord.DVRCoordinate;
import com.helger.io.resource.FileSystemResource;
import com.helger.phive.api.execute.ValidationExecutionManager;
import com.helger.phive.api.executorset.IValidationExecutorSet;
import com.helger.phive.api.executorset.ValidationExecutorSetRegistry;
import com.helger.phive.api.result.ValidationResult;
import com.helger.phive.api.result.ValidationResultList;
import com.helger.phive.api.validity.IValidityDeterminator;
import com.helger.phive.en16931.EN16931Validation;
import com.helger.phive.peppol.PeppolValidation;
import com.helger.phive.peppol.PeppolValidation2025_11;
import com.helger.phive.xml.source.IValidationSourceXML;
import com.helger.phive.xml.source.ValidationSourceXML;

/**
 * Validates every *.xml file of a directory as a Peppol BIS Billing 3.0 UBL Invoice: the UBL 2.1
 * XSD, the CEN EN 16931 UBL schematron and the OpenPeppol schematron, as phive's Peppol rule set
 * bundles them. Prints every warning and error with its rule id and location, then
 * "UBL: N passed, N failed"; exits 1 when any file has an error or fatal finding.
 */
public final class Check {
  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: Check DIR");
      System.exit(2);
    }
    File[] files = new File(args[0]).listFiles((d, n) -> n.endsWith(".xml"));
    if (files == null || files.length == 0) {
      System.err.println("no .xml files in " + args[0]);
      System.exit(2);
    }
    Arrays.sort(files);

    ValidationExecutorSetRegistry<IValidationSourceXML> registry = new ValidationExecutorSetRegistry<>();
    // The Peppol sets build on the CEN EN 16931 ones, which must be registered first.
    EN16931Validation.initEN16931(registry);
    PeppolValidation.initStandard(registry);
    DVRCoordinate vid = PeppolValidation2025_11.VID_OPENPEPPOL_INVOICE_UBL_V3;
    IValidationExecutorSet<IValidationSourceXML> ves = registry.getOfID(vid);
    if (ves == null) {
      System.err.println("phive has no rule set " + vid.getAsSingleID());
      System.exit(2);
    }
    System.out.println("rule set: " + vid.getAsSingleID() + " (" + ves.getDisplayName() + ")");
    ves.forEach(x -> System.out.println("  layer: " + x.getValidationArtefact().getValidationType().getID() + " "
        + x.getValidationArtefact().getRuleResourcePath()));

    int passed = 0, failed = 0, warnings = 0;
    for (File f : files) {
      ValidationResultList results = ValidationExecutionManager.executeValidation(
          IValidityDeterminator.createDefault(), ves, ValidationSourceXML.create(new FileSystemResource(f)));
      int[] counts = new int[2];
      for (ValidationResult r : results) {
        String layer = r.getValidationArtefact().getValidationType().getID();
        if (r.getValidity().isSkipped()) {
          // Only after an earlier layer failed, which already counted as an error.
          System.out.println("  " + f.getName() + ": " + layer + " SKIPPED (an earlier layer failed)");
          continue;
        }
        r.getErrorList().forEach(e -> {
          if (e.isFailure()) {
            String level = e.isError() ? "ERROR" : "WARNING";
            if (e.isError()) counts[0]++; else counts[1]++;
            System.out.println("  " + f.getName() + ": " + level + " [" + layer + "] " + e.getErrorID() + " at "
                + e.getErrorFieldName() + ": " + e.getErrorText(Locale.ENGLISH));
          }
        });
      }
      warnings += counts[1];
      if (counts[0] == 0 && results.containsNoError()) {
        passed++;
        System.out.println("ok   " + f.getName() + " (" + results.size() + " layers, " + counts[1] + " warnings)");
      } else {
        failed++;
        System.out.println("FAIL " + f.getName() + " (" + counts[0] + " errors, " + counts[1] + " warnings)");
      }
    }
    System.out.println("warnings: " + warnings);
    System.out.println("UBL: " + passed + " passed, " + failed + " failed");
    System.exit(failed == 0 ? 0 : 1);
  }
}
