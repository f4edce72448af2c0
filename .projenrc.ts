import { readdirSync } from 'node:fs';
import { awscdk, javascript } from 'projen';

/** Folder of the local harness (demo, fault injection, benchmarks). Never published. */
const HARNESS_DIR = 'harness';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'support-case-workflow',
  description:
    'AWS CDK construct: a Step Functions support-case workflow (Open Case, Assign Case, Send Email) with typed, idempotent Lambda handlers, DynamoDB and SES.',
  author: 'Support Case Workflow Team',
  authorAddress: 'support-case-workflow@example.com',
  repositoryUrl: 'https://github.com/example/support-case-workflow.git',
  license: 'Apache-2.0',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  tsconfigDevFile: 'tsconfig.dev.json',

  // cdk-nag 3.x (used by the tests) needs aws-cdk-lib >= 2.257; it is also the first
  // version we test against, so it is the floor of the peer dependency.
  cdkVersion: '2.257.0',
  constructsVersion: '10.5.1',
  jsiiVersion: '~6.0.0',

  // jsii targets: the construct is published for Python, Java, .NET and Go as well.
  publishToPypi: { distName: 'support-case-workflow', module: 'support_case_workflow' },
  publishToMaven: {
    javaPackage: 'com.example.supportcaseworkflow',
    mavenGroupId: 'com.example',
    mavenArtifactId: 'support-case-workflow',
  },
  publishToNuget: { dotNetNamespace: 'Example.SupportCaseWorkflow', packageId: 'Example.SupportCaseWorkflow' },
  publishToGo: { moduleName: 'github.com/example/support-case-workflow-go' },

  keywords: ['cdk', 'awscdk', 'aws-cdk', 'step-functions', 'stepfunctions', 'lambda', 'dynamodb', 'ses', 'support', 'workflow'],

  // Lambda handlers: src/handlers/*.lambda.ts are discovered, bundled by esbuild into
  // assets/, and get a generated *-function.ts. The AWS SDK v3 clients are bundled
  // (tree-shaken, minified) instead of relying on the runtime's copy: smaller cold start
  // and a pinned, tested SDK version.
  lambdaAutoDiscover: true,
  lambdaOptions: {
    runtime: awscdk.LambdaRuntime.NODEJS_24_X,
    // projen passes these through to its esbuild bundle (AddBundleOptions); its
    // lambdaOptions type only declares the BundlingOptions subset, hence the widening.
    bundlingOptions: {
      externals: [],
      sourcemap: false,
      minify: true,
      // index.meta.json next to each bundle: which packages went in (read by audit:bundles).
      metafile: true,
      // The SDK's ES module builds tree-shake far better (bundles ~40 % smaller, measured by
      // harness/bench/bundle-variants.ts); the output stays CommonJS.
      mainFields: ['module', 'main'],
      // Lambda gives credentials in the environment: bundle only that provider.
      esbuildArgs: { '--alias:@aws-sdk/credential-provider-node': './src/handlers/env-credentials.lambda-shared.ts' },
    } as javascript.BundlingOptions,
  },

  // The handlers' run-time packages: bundled into the assets, so dev dependencies only.
  devDeps: [
    '@aws-sdk/client-dynamodb@^3',
    '@aws-sdk/client-ses@^3',
    '@aws-sdk/client-sfn@^3',
    '@aws-sdk/credential-provider-env@^3',
    '@types/aws-lambda',
    // local AWS for tests and the demo
    'dynalite@^4',
    'aws-ses-v2-local@^2',
    'aws-local-stepfunctions@3.0.0',
    // JSONata states, which aws-local-stepfunctions 3.0.0 cannot run (harness/jsonata-wait.ts); the version asl-validator uses
    'jsonata@2.2.2',
    // tests and harness
    'fast-check@^4',
    'cdk-nag@^3',
    // cdk-nag 2.x side by side (npm alias): the construct is checked under both majors.
    'cdk-nag-v2@npm:cdk-nag@^2',
    'cli-progress@^3',
    '@types/cli-progress',
    // integration test (ready for a real account) and benchmarks
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    '@aws-cdk/integ-runner@^2',
    'aws-cdk@^2',
  ],

  // No inline source maps in lib/: stack traces of the library (e.g. a prop error) then name the
  // lib/*.js files the package ships, not src/*.ts, which it does not ship.
  tsconfig: { compilerOptions: { inlineSourceMap: false, inlineSources: false } },
  tsconfigDev: {
    include: [`${HARNESS_DIR}/**/*.ts`, '.projenrc.ts'],
    compilerOptions: {},
  },
  eslintOptions: {
    // One project (tsconfig.dev.json covers src, test and harness) rather than the per-file
    // project service, which only finds files named tsconfig.json.
    projectService: false,
    tsconfigPath: './tsconfig.dev.json',
    dirs: ['src'],
    devdirs: ['test', HARNESS_DIR, 'projenrc', '.projenrc.ts'],
  },
  jestOptions: {
    jestConfig: {
      testTimeout: 60_000,
      // Bundled assets (and their copies in synthesized assemblies) are not our source.
      coveragePathIgnorePatterns: ['/node_modules/', '/assets/', '/support-case-cdk-'],
    },
  },

  githubOptions: { mergify: false },
});

// engines.node of the published package: what aws-cdk-lib itself requires. (Set directly rather
// than with minNodeVersion, which would also pin @types/node and the CI workflows' Node.) The build
// tools want Node >= 22 but run on 20: see the README's "Node.js versions".
project.package.addEngine('node', '>= 20.0.0');

// The npm tarball is an allowlist (package.json "files"): a stray file in the working tree cannot
// end up in it. test/docs/package.test.ts checks `npm pack --dry-run` against the expected set.
// npm always adds package.json, README.md and LICENSE.
project.package.addField('files', ['lib/**/*.js', 'lib/**/*.d.ts', 'assets/**/index.js', 'assets/bundled-packages.json', '.jsii', 'API.md']);
// Construct and handlers meet only through the contract (src/shared/): the construct imports from
// src/handlers/ nothing but the generated *-function.ts classes, and the handlers import no
// construct code. Code shared by handlers only is named *.lambda-shared.ts: bundled by esbuild
// like the handlers, so it may use the SDK clients (dev dependencies).
project.eslint?.allowDevDeps('src/**/*.lambda-shared.ts');
/** The generated construct classes of the handlers (src/handlers/x.lambda.ts -> ./x-function.ts). */
const generatedFunctionFiles = readdirSync('src/handlers').filter((f) => f.endsWith('.lambda.ts')).map((f) => `./${f.replace(/\.lambda\.ts$/, '-function.ts')}`);
project.eslint?.addRules({
  'import/no-restricted-paths': ['error', {
    zones: [
      { target: './src/!(handlers|workflow)/**', from: './src/handlers', message: 'The contract reaches the handlers only through src/shared/.' },
      {
        target: ['./src/*.ts', './src/workflow/**'],
        from: './src/handlers',
        except: generatedFunctionFiles,
        message: 'The construct imports only the generated *-function.ts classes from src/handlers/; share code through src/shared/.',
      },
      { target: './src/handlers', from: './src', except: ['./handlers', './shared'], message: 'Handlers import only handler code and the contract (src/shared/).' },
    ],
  }],
});

project.addPackageIgnore(`/${HARNESS_DIR}/`);
project.addPackageIgnore('/.ci/');
project.gitignore.exclude('/bench-results/', '/.jsii.tabl.json');

// Packaging for Python/Java/.NET/Go needs their registries (Maven Central, PyPI...), which only a
// release pipeline reaches. Every build proves the four targets by generating their code instead.
// jsii-rosetta's Go translations of the examples do not compile (aws-cdk-lib imported without /v2
// or its submodule packages, struct types unqualified, lists not *[]*T, properties read as fields):
// the README's and @example's Go is written by hand in rosetta/go/ and handed to pacmak in a tablet
// that it prefers to rosetta's. The script fails when a TypeScript example has no up-to-date Go.
// Unknown snippets fail too: every example must come from a tablet, none translated on the fly.
const goTablet = 'dist/rosetta/go.tabl.json';
const codeOnly = project.addTask('package:code-only', {
  description: 'Generate the Python, Java, .NET and Go bindings (code only, no registry access)',
});
codeOnly.exec(`node scripts/go-translations.mjs .jsii.tabl.json rosetta/go ${goTablet}`);
codeOnly.exec(`jsii-pacmak --code-only --targets python,java,dotnet,go --outdir dist/code-only --rosetta-tablet ${goTablet} --rosetta-unknown-snippets fail`);
project.tasks.tryFind('package-all')!.reset();
project.tasks.tryFind('package-all')!.spawn(project.tasks.tryFind('package:js')!);
project.packageTask.spawn(codeOnly);
// The generated Python README and docstrings carry the examples translated by jsii-rosetta; a
// TypeScript example it cannot type comes out as invalid Python. Compile them.
const checkPython = project.addTask('package:check-python-examples', {
  description: 'Compile (py_compile) the Python examples of the generated Python binding',
  exec: 'python3 scripts/check-python-examples.py dist/code-only/python',
});
project.packageTask.spawn(checkPython);
// The Go examples (README and doc comments of the Go binding) are type-checked with go/types against
// the generated package and Go bindings of aws-cdk-lib (the packages it uses and what they refer to)
// and constructs that pacmak generates from node_modules (cached in node_modules/.cache/go-deps; the
// Go module proxy is not needed). Needs Go.
const goDepsDir = 'node_modules/.cache/go-deps';
const goPackageDir = 'dist/code-only/go/supportcaseworkflow';
const goDeps = project.addTask('package:go-deps', {
  description: 'Generate the Go bindings of aws-cdk-lib and constructs that the Go examples are checked against',
  exec: `node scripts/go-deps.mjs ${goDepsDir} ${goPackageDir}`,
});
const checkGo = project.addTask('package:check-go-examples', {
  description: 'Type-check (go/types) the Go examples of the generated Go binding',
});
// No Go on a fresh Debian machine building as root: installs Debian's golang-go; elsewhere says what to install.
checkGo.exec('bash scripts/ensure-go.sh');
checkGo.spawn(goDeps);
checkGo.exec(`go run scripts/check-go-examples.go -deps ${goDepsDir} ${goPackageDir}`);
project.packageTask.spawn(checkGo);

// The bundled handlers use the SDK's ES module builds, which load Node built-ins with a dynamic
// import(); jest's module sandbox only allows that with this flag (plain Node and Lambda do not need it).
project.testTask.env('NODE_OPTIONS', '--experimental-vm-modules --no-warnings=ExperimentalWarning');

// ts-jest only transpiles: type-check tests and the harness before they run.
project.testTask.prependExec('tsc --noEmit -p tsconfig.dev.json');

// README examples must compile (checked against the assembly jsii just built).
project.postCompileTask.exec('jsii-rosetta extract --strict');
// ...and as a user pastes them: rosetta's fixtures may supply imports an example does not show.
// Each README example that builds the workflow is compiled against lib/ with only its own imports.
const checkTsExamples = project.addTask('examples:check-ts', {
  description: 'Type-check the README\'s TypeScript examples that build the workflow, as pasted (their own imports only)',
  exec: 'node scripts/check-ts-examples.mjs README.md',
});
project.postCompileTask.spawn(checkTsExamples);

// The demo and the benchmarks run TypeScript straight from src/ and harness/ (ts-node,
// transpile only); they need the bundled Lambda assets first.
const tsNode = 'ts-node --project tsconfig.dev.json --transpile-only';

// The packages bundled into the Lambda assets are run-time code that `npm audit` never sees (they are
// dev dependencies here). audit:bundles records their versions in assets/bundled-packages.json (shipped
// in the package) and checks them with `npm audit` against the registry's advisories; where the
// registry does not answer, it says so and the build goes on (harness/bundle-audit.ts).
const auditBundles = project.addTask('audit:bundles', {
  description: 'Record the packages bundled into the Lambda assets (assets/bundled-packages.json) and audit them against the registry\'s advisories',
  exec: `${tsNode} ${HARNESS_DIR}/bundle-audit.ts`,
});
project.preCompileTask.spawn(auditBundles);

const bench = project.addTask('bench', {
  description: 'Benchmarks: cold start vs the tutorial\'s handlers, bundle sizes, transitions, orchestration overhead, synth time, cost',
  receiveArgs: true,
});
bench.spawn(project.bundler.bundleTask);
bench.exec(`${tsNode} ${HARNESS_DIR}/bench/bench.ts`, { receiveArgs: true });

const demo = project.addTask('demo', {
  description: 'Run a batch of support cases through the synthesized workflow on local DynamoDB, SES and Step Functions',
  receiveArgs: true,
});
demo.spawn(project.bundler.bundleTask);
demo.exec(`${tsNode} ${HARNESS_DIR}/demo.ts`, { receiveArgs: true });

// The README's workflow diagram is generated from the synthesized definition (test/docs/readme-diagram.test.ts
// fails when they differ).
const diagram = project.addTask('diagram', { description: 'Regenerate the workflow diagram in README.md from the synthesized state machine' });
diagram.spawn(project.bundler.bundleTask);
diagram.exec(`${tsNode} ${HARNESS_DIR}/diagram.ts --write`);

// The README's table of the dashboard's widgets is generated from the synthesized dashboard
// (test/docs/readme-dashboard.test.ts fails when they differ).
const dashboard = project.addTask('dashboard', { description: 'Regenerate the table of the dashboard\'s widgets in README.md from the synthesized dashboard' });
dashboard.spawn(project.bundler.bundleTask);
dashboard.exec(`${tsNode} ${HARNESS_DIR}/dashboard.ts --write`);
dashboard.exec(`${tsNode} ${HARNESS_DIR}/dashboard-acknowledgement.ts --write`);

// Integration test (test/integ.*.ts, @aws-cdk/integ-tests-alpha): ready for a real account; here the
// build checks its committed snapshot offline. AWS_REGION keeps integ-runner from probing EC2 metadata.
const integRunner = `integ-runner --directory test --language typescript --app "${tsNode} {filePath}"`;
const offlineRegion = 'AWS_REGION=${AWS_REGION:-us-east-1}';
const integSnapshot = project.addTask('integ:snapshot', { description: 'Update the integ test snapshot without deploying' });
integSnapshot.spawn(project.bundler.bundleTask);
integSnapshot.exec(`${offlineRegion} ${integRunner} --update-on-failed --dry-run`);
integSnapshot.exec('rm -rf test/integ.*.snapshot/asset.*');
const integCheck = project.addTask('integ:check', {
  description: 'Check that the integ test snapshot matches the construct (offline)',
  exec: `${offlineRegion} ${integRunner}`,
});
project.testTask.spawn(integCheck);
project.gitignore.exclude('/test/cdk-integ.out.*');

project.synth();

