"""Every check lamlint has, by code."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lamlint.check.base import Check
from lamlint.check.filesystem import FixedTmpFile, LibraryWritesHome, WriteOutsideTmp
from lamlint.check.handler_contract import (
    ApiResponseShape,
    AsyncHandler,
    BasicConfigNoop,
    ClientPerInvocation,
    ExitInHandler,
    HandlerSignature,
    HardcodedCredentials,
    ReservedEnvironmentVariable,
    UnmarshallableReturn,
)
from lamlint.check.side_effects import (
    BatchCallFailuresIgnored,
    BatchWithoutPartialFailures,
    NonIdempotentSideEffect,
    RecursiveTrigger,
    SyncInvokeRetried,
)
from lamlint.check.state import (
    BackgroundWorkNotAwaited,
    CacheKeyedByRequest,
    GlobalCarriedOver,
    ImportTimeValue,
    LoggingSetupPerInvocation,
    LogKeysCarriedOver,
    ModuleAttributeFromRequest,
    ModuleStateMutation,
    MutableDefaultMutated,
    ProcessSettingPerInvocation,
)
from lamlint.check.timeouts import (
    CallWithoutTimeout,
    SdkClientDefaultTimeouts,
    UnboundedRetryLoop,
    WaitExceedsBudget,
    WaitWithoutTimeout,
)

CHECKS: Mapping[str, type[Check]] = MappingProxyType(
    {
        check.CODE: check
        for check in (
            ModuleStateMutation,
            GlobalCarriedOver,
            MutableDefaultMutated,
            ProcessSettingPerInvocation,
            LoggingSetupPerInvocation,
            ImportTimeValue,
    LogKeysCarriedOver,
    ModuleAttributeFromRequest,
            BackgroundWorkNotAwaited,
            ModuleAttributeFromRequest,
            CacheKeyedByRequest,
            LogKeysCarriedOver,
    CacheKeyedByRequest,
            NonIdempotentSideEffect,
            BatchWithoutPartialFailures,
            RecursiveTrigger,
            BatchCallFailuresIgnored,
            SyncInvokeRetried,
            WriteOutsideTmp,
            LibraryWritesHome,
            FixedTmpFile,
            CallWithoutTimeout,
            WaitExceedsBudget,
            UnboundedRetryLoop,
            SdkClientDefaultTimeouts,
            WaitWithoutTimeout,
            AsyncHandler,
            HandlerSignature,
            ExitInHandler,
            UnmarshallableReturn,
            ApiResponseShape,
            ClientPerInvocation,
            HardcodedCredentials,
            BasicConfigNoop,
            ReservedEnvironmentVariable,
        )
    }
)
