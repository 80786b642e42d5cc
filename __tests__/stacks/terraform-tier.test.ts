import { terraformTier } from "../../stacks/terraform-env";

describe("terraformTier: the terraform test tier runs, is skipped, or fails in CI", () => {
  test("runs wherever terraform is on the PATH, CI or not", () => {
    expect(terraformTier("/usr/bin/terraform", {})).toBe("run");
    expect(terraformTier("/usr/bin/terraform", { CI: "true" })).toBe("run");
  });

  test.each([{}, { CI: "" }, { CI: "false" }, { CI: "0" }])("without terraform and outside CI (%j), it is skipped", (env) => {
    expect(terraformTier(undefined, env)).toBe("skip");
  });

  test.each(["true", "1"])("without terraform where CI=%s, it fails, saying what to install", (ci) => {
    expect(() => terraformTier(undefined, { CI: ci })).toThrow(
      /CI=.* and `terraform` is not on the PATH: the terraform tier must run in CI; install Terraform 1\.10\+/,
    );
  });
});
