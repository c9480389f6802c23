"""ModelArts error answers -> Switchyard's typed vendor errors.

ModelArts answers `{"error_code": "ModelArts.NNNN", "error_msg": ...}`, and reports many errors
(not-found included) as HTTP 400, so the code decides; the HTTP status is only the fallback for a
code this table does not know. The table holds every code the API reference (§19.2) lists for
the training, notebook, inference-service, IAM-token and AK/SK paths, plus the 8-digit codes its
training-events example shows.
"""

import httpx

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
    error_class_for_http_status,
    read_error,
    retry_after_seconds,
    typed_error,
)
from services.vendors.modelarts.settings import VENDOR

# fmt: off
_ERROR_CLASSES: dict[type[VendorError], tuple[str, ...]] = {
    # the addressed job, instance, service or path does not exist (many come back as HTTP 400)
    NotFound: (
        "2775", "2778", "2779", "2836", "2842", "2881", "3502", "3535", "6309", "6624"
    ),
    # bad parameters, or something the request names (flavor, engine, image, model, pool) is unusable
    InvalidRequest: (
        "0101", "0102", "0104", "0107", "1120", "2750", "2751", "2752", "2753", "2754", "2755", "2756", "2757",
        "2758", "2759", "2760", "2761", "2762", "2764", "2765", "2766", "2767", "2768", "2769", "2770", "2772",
        "2774", "2780", "2781", "2782", "2783", "2787", "2788", "2789", "2790", "2791", "2792", "2793", "2794",
        "2795", "2797", "2798", "2801", "2802", "2803", "2805", "2806", "2807", "2808", "2809", "2812", "2814",
        "2816", "2817", "2818", "2819", "2820", "2821", "2822", "2824", "2825", "2826", "2827", "2828", "2829",
        "2830", "2831", "2832", "2834", "2839", "2840", "2841", "2845", "2846", "2847", "2848", "2849", "2850",
        "2851", "2853", "2854", "2855", "2856", "2857", "2858", "2859", "2879", "2880", "2884", "2886", "2887",
        "2890", "2891", "3001", "3503", "3506", "3507", "3514", "3515", "3516", "3523", "3524", "3525", "3527",
        "3528", "3529", "3531", "3532", "3533", "3534", "3536", "3538", "3541", "3542", "3544", "3545", "3547",
        "3548", "3549", "3550", "3551", "3552", "3553", "3554", "3556", "3559", "3560", "3562", "3564", "3565",
        "3566", "3567", "3568", "3572", "3573", "3574", "3580", "3582", "3583", "3584", "3585", "3586", "3587",
        "3588", "3589", "3590", "3591", "3592", "3593", "3594", "3595", "3596", "3598", "3610", "6301", "6303",
        "6316", "6317", "6318", "6320", "6323", "6324", "6330", "6331", "6332", "6334", "6335", "6336", "6341",
        "6343", "6344", "6345", "6346", "6348", "6349", "6358", "6371", "6400", "6600", "6623", "6651", "6652",
        "6654", "6690", "6737", "6763", "6768", "6771", "6789", "6792", "6797", "6870", "7004", "7005", "50004000"
    ),
    # the action is not allowed in the current state
    WrongState: (
        "2796", "2813", "2878", "2883", "3519", "6304", "6305", "6306", "6307", "6308", "6326", "6327", "6333",
        "6347", "6355", "6357"
    ),
    # account quotas, and flavors the account is not entitled to (another flavor may do)
    QuotaExceeded: (
        "0113", "0116", "0118", "2763", "2815", "2833", "3520", "3521", "3522", "3561", "3578", "4860", "4861",
        "5040", "6302", "6328", "7006"
    ),
    # sold out, no resources right now
    CapacityUnavailable: (
        "3952", "3976", "4992", "6200", "6329", "6360", "6528", "6716"
    ),
    # token / AK/SK / project / permission / agency problems, and accounts in arrears or frozen
    AuthFailed: (
        "0108", "0109", "0112", "0201", "0202", "0203", "0204", "0205", "0206", "0207", "0208", "0209", "0210",
        "0212", "0420", "0421", "0422", "0423", "0424", "0425", "0426", "0427", "0428", "0429", "0430", "0431",
        "1003", "2771", "2784", "2785", "2786", "2804", "2823", "2837", "2838", "2852", "3518", "3540", "3555",
        "3597", "4116", "4117", "4118", "4119", "6201", "6203", "6319", "6350", "6353", "6354", "6374", "6376",
        "6377", "6378", "6379", "6608", "6620", "6650", "6653", "6782", "50001000"
    ),
    # throttled
    RateLimited: (
        "2799", "4206", "6101"
    ),
    # internal errors, failing dependent services, and "not ready yet, retry later"
    VendorUnavailable: (
        "0010", "1002", "2773", "2776", "2777", "2810", "2811", "2835", "2843", "2844", "2885", "2889", "2950",
        "2951", "2952", "2953", "2954", "2955", "2956", "2957", "2958", "2959", "3501", "3504", "3505", "3508",
        "3509", "3511", "3537", "3539", "3543", "3546", "3576", "3577", "3579", "3581", "3611", "3612", "3613",
        "3620", "6100", "6102", "6361", "6691", "6692", "6699", "50005000"
    ),
}
# fmt: on
ERROR_CODES: dict[str, type[VendorError]] = {
    f"ModelArts.{code}": error_class for error_class, codes in _ERROR_CLASSES.items() for code in codes
}


def error_class(code: str | None, http_status: int) -> type[VendorError]:
    """The typed error for a ModelArts error code, falling back on the HTTP status."""
    return ERROR_CODES.get(code or "") or error_class_for_http_status(http_status)


def error_details(response: httpx.Response) -> tuple[str | None, str]:
    """(error_code, message) from a ModelArts body or an IAM (Keystone-style) body."""
    code, message = read_error(response, code_key="error_code",
                               message_keys=("error_msg", "error.message", "error.title"))
    return (None if code is None else str(code)), message


def vendor_error(response: httpx.Response) -> VendorError:
    code, message = error_details(response)
    return typed_error(error_class(code, response.status_code), VENDOR, message, code=code,
                       http_status=response.status_code, retry_after_s=retry_after_seconds(response))
