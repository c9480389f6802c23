"""Every error code the ModelArts API reference lists for the paths Switchyard calls maps onto one typed
error, whatever HTTP status it comes with (not-found as 400 included)."""

import httpx
import pytest

from services.vendors.errors import (
    AuthFailed,
    CapacityUnavailable,
    InvalidRequest,
    NotFound,
    QuotaExceeded,
    RateLimited,
    VendorError,
    VendorUnavailable,
    WrongState,
)
from services.vendors.modelarts.errors import ERROR_CODES, error_class, vendor_error

# (HTTP status as the doc's §19.2 table gives it, code, expected error), one row per table row.
# fmt: off
DOCUMENTED: list[tuple[int, str, type[VendorError]]] = [
    (100, "ModelArts.0116", QuotaExceeded),  # The expected {0} exceeds the quota limit.
    (100, "ModelArts.6768", InvalidRequest),  # SSH configuration is missing, target image {0} only support 
    (204, "ModelArts.2776", VendorUnavailable),  # NotReadyToFetchLog
    (204, "ModelArts.2777", VendorUnavailable),  # NotReadyToFetchMetric
    (400, "ModelArts.0101", InvalidRequest),  # Invalid Argument.
    (400, "ModelArts.0102", InvalidRequest),  # The workspace does not exist.
    (400, "ModelArts.0104", InvalidRequest),  # Parameter error.
    (400, "ModelArts.0107", InvalidRequest),  # The values of the request parameters ({0},{1}) are invalid.
    (400, "ModelArts.0113", QuotaExceeded),  # Create Notebook failed. Quota: {} is exhausted.
    (400, "ModelArts.0118", QuotaExceeded),  # QuotaInsufficient
    (400, "ModelArts.0204", AuthFailed),  # Token must contain projectId info.
    (400, "ModelArts.0210", AuthFailed),  # Invalid project ID.
    (400, "ModelArts.0420", AuthFailed),  # Failed to query agency.
    (400, "ModelArts.0421", AuthFailed),  # Failed to create agency.
    (400, "ModelArts.0422", AuthFailed),  # Failed to query users.
    (400, "ModelArts.0423", AuthFailed),  # Disagree with service statement.
    (400, "ModelArts.0424", AuthFailed),  # User authorization information already exists.
    (400, "ModelArts.0425", AuthFailed),  # Failed to add user authorization information.
    (400, "ModelArts.0426", AuthFailed),  # Failed to delete user authorization information.
    (400, "ModelArts.0427", AuthFailed),  # Failed to get user authorization information.
    (400, "ModelArts.0428", AuthFailed),  # Failed to update agency.
    (400, "ModelArts.0429", AuthFailed),  # The authorization does not exist. Check whether the user_id 
    (400, "ModelArts.0430", AuthFailed),  # Failed to query agency grants.
    (400, "ModelArts.0431", AuthFailed),  # Failed to query agency quotas.
    (400, "ModelArts.1002", VendorUnavailable),  # OBS operation failed.
    (400, "ModelArts.1003", AuthFailed),  # The user account is abnormal (expired or frozen) or the user
    (400, "ModelArts.1120", InvalidRequest),  # Parameter verification failed.
    (400, "ModelArts.2750", InvalidRequest),  # DuplicateEvaluationName
    (400, "ModelArts.2751", InvalidRequest),  # DuplicateTrainingJobName
    (400, "ModelArts.2752", InvalidRequest),  # DuplicateAlgorithmNameAndVersion
    (400, "ModelArts.2753", InvalidRequest),  # InputsOutputsMessageError
    (400, "ModelArts.2754", InvalidRequest),  # ModelartsHostedNumError
    (400, "ModelArts.2755", InvalidRequest),  # AiAlgorithmNotFound
    (400, "ModelArts.2756", InvalidRequest),  # HasSameNameWithMarketAlgorithm
    (400, "ModelArts.2757", InvalidRequest),  # CodeDirError
    (400, "ModelArts.2758", InvalidRequest),  # BootFileDirError
    (400, "ModelArts.2759", InvalidRequest),  # TooManyCodeFiles
    (400, "ModelArts.2760", InvalidRequest),  # CodeFolderTooDeep
    (400, "ModelArts.2761", InvalidRequest),  # CodeFilesSizeTooLarge
    (400, "ModelArts.2762", InvalidRequest),  # DuplicateFlavorCode
    (400, "ModelArts.2763", QuotaExceeded),  # DoNotHaveFlavor
    (400, "ModelArts.2764", InvalidRequest),  # QueryParamsError
    (400, "ModelArts.2765", InvalidRequest),  # StringParameterError
    (400, "ModelArts.2766", InvalidRequest),  # DoNotHaveDefaultValue
    (400, "ModelArts.2767", InvalidRequest),  # ParameterKeyRepeat
    (400, "ModelArts.2768", InvalidRequest),  # DefaultValueTypeError
    (400, "ModelArts.2769", InvalidRequest),  # DefaultValuesNotInRange
    (400, "ModelArts.2770", InvalidRequest),  # RangeError
    (400, "ModelArts.2771", AuthFailed),  # NotHavePermission
    (400, "ModelArts.2772", InvalidRequest),  # OriginalAlgorithmCodeInfoError
    (400, "ModelArts.2773", VendorUnavailable),  # GetObsObjectContentError
    (400, "ModelArts.2774", InvalidRequest),  # ParseParameterError
    (400, "ModelArts.2775", NotFound),  # TrainingJobNotFound
    (400, "ModelArts.2778", NotFound),  # EvalJobNotFound
    (400, "ModelArts.2779", NotFound),  # EvalVerNotFound
    (400, "ModelArts.2780", InvalidRequest),  # EngineNotFound
    (400, "ModelArts.2781", InvalidRequest),  # FlavorNotFound
    (400, "ModelArts.2782", InvalidRequest),  # DatasetVersionNotFound
    (400, "ModelArts.2783", InvalidRequest),  # DatasetNotFound
    (400, "ModelArts.2787", InvalidRequest),  # InvalidJsonBody
    (400, "ModelArts.2788", InvalidRequest),  # InvalidParam
    (400, "ModelArts.2789", InvalidRequest),  # UnsupportedFilterBy
    (400, "ModelArts.2790", InvalidRequest),  # UnsupportedSortBy
    (400, "ModelArts.2791", InvalidRequest),  # InvalidObsPath
    (400, "ModelArts.2792", InvalidRequest),  # BootFileNotBelongToPackage
    (400, "ModelArts.2793", InvalidRequest),  # FlavorOutOfRange
    (400, "ModelArts.2794", InvalidRequest),  # InvalidModelURL
    (400, "ModelArts.2795", InvalidRequest),  # GetModel
    (400, "ModelArts.2797", InvalidRequest),  # EvalResultsNotPrepared
    (400, "ModelArts.2798", InvalidRequest),  # UnsupportedModel
    (400, "ModelArts.2801", InvalidRequest),  # FederationNotFound
    (400, "ModelArts.2802", InvalidRequest),  # InvalidCodeDir
    (400, "ModelArts.2804", AuthFailed),  # InsufficientPermissionToAuthorize
    (400, "ModelArts.2805", InvalidRequest),  # FederationInviteUserError
    (400, "ModelArts.2806", InvalidRequest),  # MustHaveCmdAndImage
    (400, "ModelArts.2807", InvalidRequest),  # UnsupportedConditionKey
    (400, "ModelArts.2808", InvalidRequest),  # UnsupportedConditionOperator
    (400, "ModelArts.2809", InvalidRequest),  # UnsupportedConditionValue
    (400, "ModelArts.2810", VendorUnavailable),  # SWRQueryImageInfoError
    (400, "ModelArts.2811", VendorUnavailable),  # SWRCreateShareError
    (400, "ModelArts.2812", InvalidRequest),  # UnsupportedActionType
    (400, "ModelArts.2814", InvalidRequest),  # AlgorithmNotMatch
    (400, "ModelArts.2815", QuotaExceeded),  # ExceedQuotaLimit
    (400, "ModelArts.2816", InvalidRequest),  # ParamRangeError
    (400, "ModelArts.2817", InvalidRequest),  # AiAlgorithmShareError
    (400, "ModelArts.2818", InvalidRequest),  # LogFileNotGenerated
    (400, "ModelArts.2819", InvalidRequest),  # LogFileHasCleared
    (400, "ModelArts.2820", InvalidRequest),  # LogPathNotFound
    (400, "ModelArts.2821", InvalidRequest),  # DuplicateAlgorithmName
    (400, "ModelArts.2822", InvalidRequest),  # LogExportPathNotSet
    (400, "ModelArts.2823", AuthFailed),  # DomainIdNotMatched
    (400, "ModelArts.2824", InvalidRequest),  # SearchIndicatorsError
    (400, "ModelArts.2825", InvalidRequest),  # ParamTypeError
    (400, "ModelArts.2826", InvalidRequest),  # SearchParamsError
    (400, "ModelArts.2827", InvalidRequest),  # FailureAnalysisNotPossible
    (400, "ModelArts.2828", InvalidRequest),  # FailureAnalysisFailed
    (400, "ModelArts.2829", InvalidRequest),  # DuplicateEngineId
    (400, "ModelArts.2830", InvalidRequest),  # MustHaveEngineId
    (400, "ModelArts.2831", InvalidRequest),  # FeedbackFailureAnalysisNotPossible
    (400, "ModelArts.2832", InvalidRequest),  # EngineNeedUpgrade
    (400, "ModelArts.2833", QuotaExceeded),  # ExceedFreeFlavorQuota
    (400, "ModelArts.2834", InvalidRequest),  # UnsupportedRemoteDataType
    (400, "ModelArts.2835", VendorUnavailable),  # GetSizeOfChannelTimeout
    (400, "ModelArts.2837", AuthFailed),  # FrozenAccount
    (400, "ModelArts.2838", AuthFailed),  # WorkspacePolicyLimit
    (400, "ModelArts.2839", InvalidRequest),  # InvalidMindSporeConfig
    (400, "ModelArts.2840", InvalidRequest),  # UnsupportedFlavor
    (400, "ModelArts.2841", InvalidRequest),  # DuplicateTrainingExperimentName
    (400, "ModelArts.2842", NotFound),  # TrainingExperimentNotFound
    (400, "ModelArts.2843", VendorUnavailable),  # QueryVPCEPFailed
    (400, "ModelArts.2844", VendorUnavailable),  # ChangeVPCEPPolicyFailed
    (400, "ModelArts.2845", InvalidRequest),  # ImageSizeExceeded
    (400, "ModelArts.2846", InvalidRequest),  # TrainingExperimentTypeMismatch
    (400, "ModelArts.2847", InvalidRequest),  # IEFNodeUnavailable
    (400, "ModelArts.2848", InvalidRequest),  # IEFClientError
    (400, "ModelArts.2849", InvalidRequest),  # FederationParticipantsReachLimit
    (400, "ModelArts.2850", InvalidRequest),  # FederationDuplicateActivityName
    (400, "ModelArts.2851", InvalidRequest),  # FederationDuplicateParticipant
    (400, "ModelArts.2853", InvalidRequest),  # FederationOperationForbidden
    (400, "ModelArts.2854", InvalidRequest),  # UnsupportedRemoteType
    (400, "ModelArts.2855", InvalidRequest),  # RunUserDeny
    (400, "ModelArts.2856", InvalidRequest),  # NotOwnImagePublishGalleryError
    (400, "ModelArts.2857", InvalidRequest),  # InvalidLocalCodeDir
    (400, "ModelArts.2858", InvalidRequest),  # UnsupportedOperation
    (400, "ModelArts.2859", InvalidRequest),  # InvalidWorkingDir
    (400, "ModelArts.2879", InvalidRequest),  # JobRuntimeTypeNotDebug
    (400, "ModelArts.2880", InvalidRequest),  # ImageSaveJobExist
    (400, "ModelArts.2883", WrongState),  # ImageSaveJobSecPhaseNotRunning
    (400, "ModelArts.2884", InvalidRequest),  # ImageSwrAlreadyExist
    (400, "ModelArts.2885", VendorUnavailable),  # AccessImageSvrException
    (400, "ModelArts.2886", InvalidRequest),  # NotTrainingPool
    (400, "ModelArts.2887", InvalidRequest),  # PoolNotRunning
    (400, "ModelArts.2889", VendorUnavailable),  # GetOsPoolFailed
    (400, "ModelArts.2891", InvalidRequest),  # WorkspaceSetError
    (400, "ModelArts.3514", InvalidRequest),  # Field [input_params] must be set for the model that is used 
    (400, "ModelArts.3515", InvalidRequest),  # The model {id} cannot be used for deploying services because
    (400, "ModelArts.3516", InvalidRequest),  # Failed to deploy services because the version of the model t
    (400, "ModelArts.3518", AuthFailed),  # The {service_type} service has not been enabled or authorize
    (400, "ModelArts.3519", WrongState),  # Services only in one of states in [deploying, running, stopp
    (400, "ModelArts.3520", QuotaExceeded),  # A maximum of {number} {service_type} services are allowed.
    (400, "ModelArts.3521", QuotaExceeded),  # A maximum of {number} {service_type} services in running sta
    (400, "ModelArts.3522", QuotaExceeded),  # A maximum of {number} {service_type} service instances are a
    (400, "ModelArts.3523", InvalidRequest),  # Service {name} has been subscribed.
    (400, "ModelArts.3524", InvalidRequest),  # Failed to subscribe to the service because {reason}.
    (400, "ModelArts.3525", InvalidRequest),  # Forbidden to update service {name} because it is a shared se
    (400, "ModelArts.3527", InvalidRequest),  # Forbidden to subscribe to service {id} because it is a {serv
    (400, "ModelArts.3528", InvalidRequest),  # Forbidden to subscribe to service {id} because it is release
    (400, "ModelArts.3529", InvalidRequest),  # Model {id} under service {id} does not exist.
    (400, "ModelArts.3531", InvalidRequest),  # Service {id} has created the QR code.
    (400, "ModelArts.3532", InvalidRequest),  # No QR code found for service {id}.
    (400, "ModelArts.3533", InvalidRequest),  # The selected edge node does not support {GPU/NPU}.
    (400, "ModelArts.3534", InvalidRequest),  # The security group must contain at least one inbound rule to
    (400, "ModelArts.3535", NotFound),  # Subservice {name} of service {name} does not exist.
    (400, "ModelArts.3536", InvalidRequest),  # Subservice {name} of service {name} has been subscribed.
    (400, "ModelArts.3538", InvalidRequest),  # The requirement notification of service {name} should not ex
    (400, "ModelArts.3540", AuthFailed),  # Operation failed because you are not the owner of service {n
    (400, "ModelArts.3541", InvalidRequest),  # Error code {error_code} of service {name} does not exist.
    (400, "ModelArts.3542", InvalidRequest),  # Error code {error_code} of service {name} already exists.
    (400, "ModelArts.3544", InvalidRequest),  # URL domain CNAME resolution failed.
    (400, "ModelArts.3545", InvalidRequest),  # Invalid certificate or private key.
    (400, "ModelArts.3547", InvalidRequest),  # Cluster {id} does not exist.
    (400, "ModelArts.3548", InvalidRequest),  # Path {path} is not a valid regex.
    (400, "ModelArts.3549", InvalidRequest),  # Error code {code} is duplicated.
    (400, "ModelArts.3550", InvalidRequest),  # Domain {name} has been used.
    (400, "ModelArts.3551", InvalidRequest),  # OBS path {path} does not exist.
    (400, "ModelArts.3552", InvalidRequest),  # The length of [resource_id] must be in the range of [0, 64].
    (400, "ModelArts.3553", InvalidRequest),  # Service {name} not subscribed yet.
    (400, "ModelArts.3554", InvalidRequest),  # Cluster name {name} has been used.
    (400, "ModelArts.3556", InvalidRequest),  # Forbidden to share ai-service {id} because ai-service is uns
    (400, "ModelArts.3559", InvalidRequest),  # Source error code {error_code} of service {name} already exi
    (400, "ModelArts.3560", InvalidRequest),  # Project {project_id} has not subscribed to subservice {id}.
    (400, "ModelArts.3561", QuotaExceeded),  # Insufficient node quota.
    (400, "ModelArts.3562", InvalidRequest),  # The value of field {due_time} must be a future time.
    (400, "ModelArts.3564", InvalidRequest),  # The sample collection task has been created for service {id}
    (400, "ModelArts.3565", InvalidRequest),  # No sample collection task is created for service {id}.
    (400, "ModelArts.3566", InvalidRequest),  # Forbidden to modify the default workspace.
    (400, "ModelArts.3567", InvalidRequest),  # OBS error occurs because {reason}.
    (400, "ModelArts.3568", InvalidRequest),  # OBS client error occurs.
    (400, "ModelArts.3572", InvalidRequest),  # Invalid OBS URL {url}.
    (400, "ModelArts.3573", InvalidRequest),  # Failed to obtain the bucket name from OBS URL {url}.
    (400, "ModelArts.3574", InvalidRequest),  # Failed to validate the correctness of OBS URL {url}.
    (400, "ModelArts.3576", VendorUnavailable),  # Failed to query the model quota.
    (400, "ModelArts.3577", VendorUnavailable),  # Failed to update the model quota.
    (400, "ModelArts.3578", QuotaExceeded),  # Insufficient model quota. Increase the quota or delete any u
    (400, "ModelArts.3580", InvalidRequest),  # Model not purchased.
    (400, "ModelArts.3582", InvalidRequest),  # Failed to create edge configurations
    (400, "ModelArts.3583", InvalidRequest),  # Failed to create the edge application due to IEF error.
    (400, "ModelArts.3584", InvalidRequest),  # Failed to update the edge application.
    (400, "ModelArts.3585", InvalidRequest),  # The host port has been used by another edge application.
    (400, "ModelArts.3586", InvalidRequest),  # Failed to create the edge application.
    (400, "ModelArts.3587", InvalidRequest),  # Failed to delete the edge application.
    (400, "ModelArts.3588", InvalidRequest),  # Failed to create edge volumes and environments.
    (400, "ModelArts.3589", InvalidRequest),  # Model {id} cannot be used to deploy {service_type} service.
    (400, "ModelArts.3590", InvalidRequest),  # Invalid expression rule. Create a rule using Spring Expressi
    (400, "ModelArts.3591", InvalidRequest),  # There are duplicate rules in the extend-configs.
    (400, "ModelArts.3592", InvalidRequest),  # Incorrect model health configuration.
    (400, "ModelArts.3593", InvalidRequest),  # The model has been expired.
    (400, "ModelArts.3594", InvalidRequest),  # Failed to query IEF instances.
    (400, "ModelArts.3595", InvalidRequest),  # Failed to create the IEF application mesh.
    (400, "ModelArts.3596", InvalidRequest),  # Failed to update the IEF application mesh.
    (400, "ModelArts.3597", AuthFailed),  # Please authorize the development environment to use and stor
    (400, "ModelArts.3598", InvalidRequest),  # Only nodes in the [Running] state can be selected.
    (400, "ModelArts.3610", InvalidRequest),  # Parameter {name} cannot be empty.
    (400, "ModelArts.3611", VendorUnavailable),  # Failed to query the batch task run log.
    (400, "ModelArts.3612", VendorUnavailable),  # Failed to {create/update} the service payload due to error c
    (400, "ModelArts.3613", VendorUnavailable),  # Failed to register the API. Please try later or submit a ser
    (400, "ModelArts.3620", VendorUnavailable),  # Failed to get the number of associated services.
    (400, "ModelArts.3952", CapacityUnavailable),  # Insufficient resources. Please try later.
    (400, "ModelArts.3976", CapacityUnavailable),  # No resources are available for the selected specification.
    (400, "ModelArts.4860", QuotaExceeded),  # Insufficient quota for real-time services.
    (400, "ModelArts.4861", QuotaExceeded),  # Insufficient quota for batch services.
    (400, "ModelArts.4992", CapacityUnavailable),  # Resources sold out.
    (400, "ModelArts.6301", InvalidRequest),  # The instance already exists.
    (400, "ModelArts.6302", QuotaExceeded),  # The instance count already reaches the maximum value.
    (400, "ModelArts.6303", InvalidRequest),  # The field does not support sorting.
    (400, "ModelArts.6304", WrongState),  # Please stop the instance before deleting.
    (400, "ModelArts.6305", WrongState),  # The instance is already running.
    (400, "ModelArts.6306", WrongState),  # The instance is starting.
    (400, "ModelArts.6307", WrongState),  # The instance has already been stopped.
    (400, "ModelArts.6308", WrongState),  # The instance is stopping.
    (400, "ModelArts.6309", NotFound),  # The instance does not exist.
    (400, "ModelArts.6316", InvalidRequest),  # The param 'storage' is needed for creating notebook instance
    (400, "ModelArts.6317", InvalidRequest),  # The 'path' parameter is required when the storage type is OB
    (400, "ModelArts.6318", InvalidRequest),  # The param 'path' needs to end with /.
    (400, "ModelArts.6319", AuthFailed),  # There is no ak/sk in the global settings. Please add it by a
    (400, "ModelArts.6320", InvalidRequest),  # Access obs error. Reason is {}.
    (400, "ModelArts.6323", InvalidRequest),  # The flavor is not supported, please check it.
    (400, "ModelArts.6324", InvalidRequest),  # This location type is not supported. Please check it.
    (400, "ModelArts.6326", WrongState),  # The instance is frozen. Check whether your account is in arr
    (400, "ModelArts.6327", WrongState),  # The instance is not in running. Please refresh the page and 
    (400, "ModelArts.6328", QuotaExceeded),  # Sorry, you currently do not have permission for this flavor.
    (400, "ModelArts.6329", CapacityUnavailable),  # Sorry, this flavor specification is sold out. Please try oth
    (400, "ModelArts.6330", InvalidRequest),  # The flavor type of profile does not match the type of flavor
    (400, "ModelArts.6331", InvalidRequest),  # The evs volume size ranges from {} GB to {} GB.
    (400, "ModelArts.6332", InvalidRequest),  # Incorrect parameter type. The '{}' parameter must be of the 
    (400, "ModelArts.6333", WrongState),  # The notebook is being restored. Refresh the page and wait fo
    (400, "ModelArts.6334", InvalidRequest),  # Invalid value for name or description. The character `{}` is
    (400, "ModelArts.6335", InvalidRequest),  # `{}` is a required property.
    (400, "ModelArts.6336", InvalidRequest),  # `{}` property value is incorrect.
    (400, "ModelArts.6341", InvalidRequest),  # The repository does not exist or has been deleted.
    (400, "ModelArts.6343", InvalidRequest),  # The repository name already exists.
    (400, "ModelArts.6344", InvalidRequest),  # Delete failed. Please delete the associated development envi
    (400, "ModelArts.6345", InvalidRequest),  # Currently the OBS type instance does not support git capabil
    (400, "ModelArts.6346", InvalidRequest),  # The timestamp of auto stop must be later than the current ti
    (400, "ModelArts.6347", WrongState),  # When the instance is in the '{}' status, the '{}' parameter 
    (400, "ModelArts.6348", InvalidRequest),  # The 'duration' parameter is mandatory for enabling auto stop
    (400, "ModelArts.6349", InvalidRequest),  # The 'duration' parameter is incorrect. The value ranges from
    (400, "ModelArts.6350", AuthFailed),  # Failed to access OBS because of incorrect AK/SK or insuffici
    (400, "ModelArts.6353", AuthFailed),  # Failed to verify the AK/SK. Please check and try again.
    (400, "ModelArts.6354", AuthFailed),  # The AK/SK do not belong to the user. Please check and enter 
    (400, "ModelArts.6355", WrongState),  # The resource is initializing. Please wait one minute and try
    (400, "ModelArts.6357", WrongState),  # The operation is not allowed because another operation is be
    (400, "ModelArts.6358", InvalidRequest),  # The path parameter is incorrect. It cannot be the root direc
    (400, "ModelArts.6360", CapacityUnavailable),  # Failed to start the notebook due to insufficient background 
    (400, "ModelArts.6361", VendorUnavailable),  # ModelArts internal service or configuration error. Submit a 
    (400, "ModelArts.6371", InvalidRequest),  # Currently, notebooks support only OBS buckets whose Storage 
    (400, "ModelArts.6374", AuthFailed),  # The credential can be added only when type is set to AK/SK o
    (400, "ModelArts.6376", AuthFailed),  # Please make sure agency exists.
    (400, "ModelArts.6377", AuthFailed),  # The user id cannot be left blank.
    (400, "ModelArts.6378", AuthFailed),  # The agency name cannot be left blank.
    (400, "ModelArts.6379", AuthFailed),  # No IAM agency created in Settings. Create an IAM agency on t
    (400, "ModelArts.6400", InvalidRequest),  # Invalid request payload {0}, please check.
    (400, "ModelArts.6528", CapacityUnavailable),  # No EVS available. Please try again later.
    (400, "ModelArts.6600", InvalidRequest),  # Check whether the parameter is valid.
    (400, "ModelArts.6651", InvalidRequest),  # Unsupport entity.
    (400, "ModelArts.6652", InvalidRequest),  # Please delete resources from the project first.
    (400, "ModelArts.6690", InvalidRequest),  # The image size cannot exceed 8 MB.
    (400, "ModelArts.6716", CapacityUnavailable),  # The specified flavor {0} is already sold out.
    (400, "ModelArts.6737", InvalidRequest),  # Conflict tag {0} for image {1}, tag cannot be duplicated.
    (400, "ModelArts.6763", InvalidRequest),  # Cannot manage the pool, The cluster version is earlier than 
    (400, "ModelArts.6771", InvalidRequest),  # Cannot register the image since the size of the registered i
    (400, "ModelArts.6782", AuthFailed),  # Mounting OBS bucket or folder does not support in current au
    (400, "ModelArts.6789", InvalidRequest),  # The current user does not have the permission to use the SSH
    (400, "ModelArts.6792", InvalidRequest),  # Instance {0} does not support to update flavor to {1}, pleas
    (400, "ModelArts.6797", InvalidRequest),  # Specified image {0} cannot be found.
    (400, "ModelArts.6870", InvalidRequest),  # Specified flavor {0} does not support current instance featu
    (400, "ModelArts.7004", InvalidRequest),  # the status of workspace: {workspaceID} is abnormal, can not 
    (400, "ModelArts.7005", InvalidRequest),  # workspace: {workspace} not existed
    (400, "ModelArts.7006", QuotaExceeded),  # workspace number over limit, limit: {limit}
    (401, "ModelArts.0112", AuthFailed),  # Failed to execute the policy.
    (401, "ModelArts.0201", AuthFailed),  # Token doesn't exist.
    (401, "ModelArts.0202", AuthFailed),  # Invalid token header because the token has expired.
    (401, "ModelArts.0203", AuthFailed),  # Invalid token.
    (401, "ModelArts.0204", AuthFailed),  # Failed to parse the token.
    (401, "ModelArts.0205", AuthFailed),  # No authorization request header.
    (401, "ModelArts.0206", AuthFailed),  # Incorrect authorization request header format.
    (401, "ModelArts.0207", AuthFailed),  # Token must contain project info of current region.
    (401, "ModelArts.0208", AuthFailed),  # Failed to check the authorization request header.
    (401, "ModelArts.0209", AuthFailed),  # No key appld in header.
    (401, "ModelArts.0210", AuthFailed),  # No key apild in header.
    (401, "ModelArts.0212", AuthFailed),  # Invalid token header because the token does not contain a pr
    (401, "ModelArts.0428", AuthFailed),  # The user authorization does not exist.
    (401, "ModelArts.4117", AuthFailed),  # User is unverified.
    (401, "ModelArts.4119", AuthFailed),  # Invalid RBAC.
    (401, "ModelArts.6201", AuthFailed),  # The user's account has been suspended.
    (401, "ModelArts.6203", AuthFailed),  # The user's account has been restricted.
    (401, "ModelArts.6608", AuthFailed),  # Please refresh user info.
    (401, "ModelArts.6620", AuthFailed),  # Please refresh the user token.
    (403, "ModelArts.0108", AuthFailed),  # You are not authorized to perform the ({0}) operation.
    (403, "ModelArts.0112", AuthFailed),  # Policy doesn't allow {} {} to be performed.
    (403, "ModelArts.0203", AuthFailed),  # Invalid token.
    (403, "ModelArts.0206", AuthFailed),  # Invalid AK/SK.
    (403, "ModelArts.0210", AuthFailed),  # The project id in the request URL does not match the token.
    (403, "ModelArts.2784", AuthFailed),  # InvalidToken
    (403, "ModelArts.2785", AuthFailed),  # Authorization NotFound
    (403, "ModelArts.2852", AuthFailed),  # FederationOperationDeny
    (403, "ModelArts.3555", AuthFailed),  # Forbidden to access ECS.
    (403, "ModelArts.4116", AuthFailed),  # User has been owed, please check the account status and bala
    (403, "ModelArts.4118", AuthFailed),  # User has been suspended, please check the account balance.
    (403, "ModelArts.5040", QuotaExceeded),  # Your usage has exceeded the maximum quota
    (403, "ModelArts.6653", AuthFailed),  # Contact the project owner.
    (404, "ModelArts.2786", AuthFailed),  # TokenProjectIDNotMatch
    (404, "ModelArts.2836", NotFound),  # PathNotFound
    (404, "ModelArts.2881", NotFound),  # ImageSaveJobNotExist
    (404, "ModelArts.2890", InvalidRequest),  # PoolNotFound
    (404, "ModelArts.3001", InvalidRequest),  # Model ({0}) does not exist.
    (404, "ModelArts.3502", NotFound),  # Service {name} does not exist.
    (404, "ModelArts.3507", InvalidRequest),  # Model {name} does not exist.
    (404, "ModelArts.6623", InvalidRequest),  # Ensure that the dataset already exists.
    (404, "ModelArts.6624", NotFound),  # Ensure that the storage path already exists.
    (404, "ModelArts.6650", AuthFailed),  # Ensure that the project already exists.
    (405, "ModelArts.2803", InvalidRequest),  # MethodNotAllowed
    (408, "ModelArts.6100", VendorUnavailable),  # The request timed out. Please try again.
    (409, "ModelArts.2796", WrongState),  # NotAllowedTo Terminate
    (409, "ModelArts.2813", WrongState),  # NotAllowedTo Restart
    (409, "ModelArts.2878", WrongState),  # JobStatusChanged
    (409, "ModelArts.3503", InvalidRequest),  # Service {name} already exists.
    (417, "ModelArts.6654", InvalidRequest),  # Project with the same name already exists.
    (429, "ModelArts.2799", RateLimited),  # TooManyRequests
    (429, "ModelArts.4206", RateLimited),  # Excessive number of requests to %s.
    (429, "ModelArts.6101", RateLimited),  # The system is busy now. Please try again later.
    (500, "ModelArts.0010", VendorUnavailable),  # Internal error.
    (500, "ModelArts.0109", AuthFailed),  # Unauthorized account.
    (500, "ModelArts.2950", VendorUnavailable),  # Unknown
    (500, "ModelArts.2951", VendorUnavailable),  # DatasetService
    (500, "ModelArts.2952", VendorUnavailable),  # ExtServiceDB
    (500, "ModelArts.2953", VendorUnavailable),  # ExtServiceIAM
    (500, "ModelArts.2954", VendorUnavailable),  # ExtServiceWorkspace
    (500, "ModelArts.2955", VendorUnavailable),  # ExtServiceAOM
    (500, "ModelArts.2956", VendorUnavailable),  # ExtServiceAIG
    (500, "ModelArts.2957", VendorUnavailable),  # ExtServiceSMN
    (500, "ModelArts.2958", VendorUnavailable),  # ExtServiceOBS
    (500, "ModelArts.2959", VendorUnavailable),  # ExtServiceMAOS
    (500, "ModelArts.3501", VendorUnavailable),  # Failed to deploy the service.
    (500, "ModelArts.3504", VendorUnavailable),  # Failed to delete the service.
    (500, "ModelArts.3505", VendorUnavailable),  # Failed to update the service.
    (500, "ModelArts.3506", InvalidRequest),  # Model {id} does not exist.
    (500, "ModelArts.3508", VendorUnavailable),  # Failed to query the service monitoring information.
    (500, "ModelArts.3509", VendorUnavailable),  # Failed to query edge nodes.
    (500, "ModelArts.3511", VendorUnavailable),  # Failed to query edge tags.
    (500, "ModelArts.3537", VendorUnavailable),  # Failed to handle the CBC request.
    (500, "ModelArts.3539", VendorUnavailable),  # Failed to initialize service URL {url}.
    (500, "ModelArts.3543", VendorUnavailable),  # Invalid CBC request.
    (500, "ModelArts.3546", VendorUnavailable),  # Failed to create the cluster.
    (500, "ModelArts.3579", VendorUnavailable),  # Failed to query the model information.
    (500, "ModelArts.3581", VendorUnavailable),  # Failed to create edge certificates.
    (500, "ModelArts.6102", VendorUnavailable),  # The server has encountered an error and fails to process the
    (500, "ModelArts.6200", CapacityUnavailable),  # No resources available. Please try again later or submit a s
    (500, "ModelArts.6691", VendorUnavailable),  # System error. Check the service status.
    (500, "ModelArts.6692", VendorUnavailable),  # System error. Check the service status.
    (500, "ModelArts.6699", VendorUnavailable),  # Internal error.
    # 8-digit codes of the training-events example and the resource APIs (digest §12).
    (400, "ModelArts.50004000", InvalidRequest),  # Bad request.
    (401, "ModelArts.50001000", AuthFailed),  # token is invalid
    (500, "ModelArts.50005000", VendorUnavailable),  # internal error
]
# fmt: on


def _answer(status: int, code: str | None, headers: dict[str, str] | None = None) -> httpx.Response:
    body = {"error_code": code, "error_msg": "from the table"} if code else {"message": "no code"}
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(("http_status", "code", "expected"), DOCUMENTED, ids=[f"{c}-{h}" for h, c, _ in DOCUMENTED])
def test_documented_code_maps_to_its_typed_error(http_status: int, code: str, expected: type[VendorError]) -> None:
    assert error_class(code, http_status) is expected
    error = vendor_error(_answer(http_status, code))
    assert type(error) is expected
    assert (error.vendor, error.code, error.http_status) == ("modelarts", code, http_status)


def test_the_table_holds_exactly_the_documented_codes() -> None:
    assert set(ERROR_CODES) == {code for _, code, _ in DOCUMENTED}


@pytest.mark.parametrize(
    ("http_status", "expected"),
    [(400, InvalidRequest), (401, AuthFailed), (403, AuthFailed), (404, NotFound), (409, WrongState),
     (429, RateLimited), (500, VendorUnavailable), (503, VendorUnavailable)],
)
def test_unknown_codes_fall_back_on_the_http_status(http_status: int, expected: type[VendorError]) -> None:
    assert type(vendor_error(_answer(http_status, "ModelArts.9999"))) is expected
    assert type(vendor_error(_answer(http_status, None))) is expected


@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), ("0.5", 0.5), ("soon", None), (None, None)])
def test_rate_limits_carry_retry_after(header: str | None, seconds: float | None) -> None:
    error = vendor_error(_answer(429, "ModelArts.6101", {"Retry-After": header} if header else None))
    assert isinstance(error, RateLimited) and error.retry_after_s == seconds


def test_iam_errors_keep_their_message() -> None:
    response = httpx.Response(401, json={"error": {"code": 401, "title": "Unauthorized", "message": "wrong password"}})
    error = vendor_error(response)
    assert isinstance(error, AuthFailed) and error.code is None and error.message == "wrong password"


def test_every_error_class_is_used() -> None:
    used = set(ERROR_CODES.values())
    assert used == {NotFound, InvalidRequest, WrongState, QuotaExceeded, CapacityUnavailable, AuthFailed,
                    RateLimited, VendorUnavailable}
