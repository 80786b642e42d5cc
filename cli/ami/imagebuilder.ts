/** Image Builder's side of the CLI: what a promotion gate reads of an image (its scan and findings). */
import { GetImageCommand, ListImageScanFindingsCommand } from "@aws-sdk/client-imagebuilder";
import { type AwsClients, call } from "./sdk";

/** What a promotion gate reads of an Image Builder image: its scan and its findings. */
export interface ImageScan {
  /** GetImage's scanState.status (COMPLETED, SCANNING, ...), undefined when the image was not scanned. */
  readonly status?: string;
  readonly scanningEnabled: boolean;
  /** The severity of every finding (ListImageScanFindings), e.g. "HIGH". */
  readonly severities: readonly string[];
}

/**
 * GetImage (scan state; resource `image`) and ListImageScanFindings filtered on the image's build version
 * ARN (one filter per call, at most 25 findings a page), in the image's own region.
 * https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_GetImage.html
 * https://docs.aws.amazon.com/imagebuilder/latest/APIReference/API_ListImageScanFindings.html
 */
export async function imageScan(clients: AwsClients, imageBuilderArn: string): Promise<ImageScan> {
  const region = imageBuilderArn.split(":")[3] ?? "us-east-1";
  const client = clients.imagebuilder(region);
  const image = await call("imagebuilder:GetImage", imageBuilderArn, () => client.send(new GetImageCommand({ imageBuildVersionArn: imageBuilderArn })));
  const severities: string[] = [];
  let token: string | undefined;
  do {
    const next = token;
    const page = await call("imagebuilder:ListImageScanFindings", imageBuilderArn, () =>
      client.send(
        new ListImageScanFindingsCommand({
          filters: [{ name: "imageBuildVersionArn", values: [imageBuilderArn] }],
          maxResults: 25,
          ...(next ? { nextToken: next } : {}),
        }),
      ),
    );
    for (const finding of page.findings ?? []) severities.push(finding.severity ?? "UNTRIAGED");
    token = page.nextToken;
  } while (token);
  const status = image.image?.scanState?.status;
  return { ...(status !== undefined ? { status } : {}), scanningEnabled: image.image?.imageScanningConfiguration?.imageScanningEnabled === true, severities };
}
