"""AWS Lambda limits and runtime facts, as named constants (see shared FACTS.md).

Every number lamlint enforces comes from here, never from a literal elsewhere.
"""

from __future__ import annotations

# Deployment package limits (bytes).
MAX_ZIPPED_DIRECT_UPLOAD = 52_428_800
MAX_UNZIPPED_WITH_LAYERS = 262_144_000
MAX_LAYERS = 5

# Function configuration ranges.
TIMEOUT_MIN_S = 1
TIMEOUT_MAX_S = 900
TIMEOUT_MAX_MANAGED_INSTANCES_S = 5_400
TIMEOUT_DEFAULT_S = 3
MEMORY_MIN_MB = 128
MEMORY_MAX_MB = 10_240
MEMORY_DEFAULT_MB = 128
EPHEMERAL_MIN_MB = 512
EPHEMERAL_MAX_MB = 10_240
ENVIRONMENT_MAX_BYTES = 4_096
API_GATEWAY_TIMEOUT_S = 29  # REST APIs' default integration timeout
HTTP_API_TIMEOUT_S = 30  # HTTP APIs' maximum integration timeout
INIT_PHASE_S = 10

RESERVED_ENVIRONMENT_VARIABLES = frozenset(
    {
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
    }
)

# Python runtimes Lambda offers, with the glibc of their OS image.
RUNTIME_GLIBC: dict[str, tuple[int, int]] = {
    "python3.9": (2, 26),
    "python3.10": (2, 26),
    "python3.11": (2, 26),
    "python3.12": (2, 34),
    "python3.13": (2, 34),
    "python3.14": (2, 34),
}
DEFAULT_RUNTIME = "python3.12"

ARCHITECTURES = ("x86_64", "arm64")
DEFAULT_ARCHITECTURE = "x86_64"

# Event sources a function can be triggered by, as lamlint names them.
TRIGGERS = (
    "api",
    "function-url",
    "alb",
    "sqs",
    "sns",
    "s3",
    "eventbridge",
    "schedule",
    "dynamodb",
    "kinesis",
    "kafka",
    "mq",
    "ses",  # SES receipt rules (a LambdaAction)
    "cognito",  # Cognito user pool triggers
    "custom-resource",  # CloudFormation custom resources (ServiceToken)
    "stepfunctions",  # Step Functions Task states
    "bedrock-agent",  # Bedrock agent action groups
    "firehose",  # Firehose data transformation
    "async",
    "sync",
)

# Filesystem layout inside the execution environment.
TASK_ROOT = "/var/task"
LAYER_ROOT = "/opt"
WRITABLE_ROOT = "/tmp"

# Native code: what Lambda's Linux can load (FACTS.md, "Python runtimes and native code").
RUNTIME_PYTHON: dict[str, tuple[int, int]] = {
    name: (3, int(name.removeprefix("python3."))) for name in RUNTIME_GLIBC
}
ELF_MAGIC = b"\x7fELF"
ELF_MACHINE_OFFSET = 0x12  # e_machine, a u16 in the file's byte order
ELF_MACHINE: dict[str, int] = {"x86_64": 62, "arm64": 183}
ELF_MACHINE_NAMES: dict[int, str] = {3: "i386", 40: "arm (32-bit)", 62: "x86_64", 183: "aarch64"}
MACHO_MAGICS = (
    b"\xfe\xed\xfa\xce",
    b"\xce\xfa\xed\xfe",
    b"\xfe\xed\xfa\xcf",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # fat (universal) binary
)
PE_MAGIC = b"MZ"
# The CPU as wheel platform tags and extension-module suffixes spell it.
WHEEL_ARCH: dict[str, str] = {"x86_64": "x86_64", "arm64": "aarch64"}
MULTIARCH: dict[str, str] = {"x86_64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu"}
# Legacy manylinux tags and the glibc they promise; manylinux_2_N means glibc 2.N.
MANYLINUX_LEGACY_GLIBC: dict[str, tuple[int, int]] = {
    "manylinux1": (2, 5),
    "manylinux2010": (2, 12),
    "manylinux2014": (2, 17),
}
MANYLINUX_MIN_GLIBC: dict[str, tuple[int, int]] = {"x86_64": (2, 5), "arm64": (2, 17)}

# Modes Lambda needs inside a zip: code runs as a non-root user.
FILE_MODE = 0o644
EXECUTABLE_MODE = 0o755
DIRECTORY_MODE = 0o755
# Layers are extracted to /opt; Python finds their code under /opt/python.
LAYER_PYTHON_DIR = "python"
