-- wrk workload for scripts/bench. BENCH_OPERATION: describe | create | update | list | list_profiles |
-- list_profiles_domain | list_apps | delete_lcc (BENCH_LCC: a lifecycle configuration in use, so refused each time)
-- | forward (STS GetCallerIdentity, for the upstream's forwarding path).
-- BENCH_DOMAIN_IDS: comma-separated domain ids (describe, update); BENCH_RUN: a tag that keeps names unique.
local operation = os.getenv("BENCH_OPERATION")
local run = os.getenv("BENCH_RUN") or "0"
local ids = {}
for id in string.gmatch(os.getenv("BENCH_DOMAIN_IDS") or "", "[^,]+") do ids[#ids + 1] = id end
-- BENCH_AUTHS (describe only): one Authorization header per domain id, signed by scripts/bench for --auth verify,
-- with BENCH_DATE as X-Amz-Date.
local auths = {}
for auth in string.gmatch(os.getenv("BENCH_AUTHS") or "", "[^|]+") do auths[#auths + 1] = auth end
local targets = { describe = "DescribeDomain", create = "CreateDomain", update = "UpdateDomain", list = "ListDomains",
    list_profiles = "ListUserProfiles", list_profiles_domain = "ListUserProfiles", list_apps = "ListApps",
    delete_lcc = "DeleteStudioLifecycleConfig" }

wrk.method = "POST"
wrk.path = "/"
if operation == "forward" then
    -- STS GetCallerIdentity (Query protocol): answered by moto, directly or through the emulator's --upstream.
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=123456789012/20261124/us-east-1/sts/aws4_request, "
        .. "SignedHeaders=content-type;host;x-amz-date, Signature=0"
    wrk.body = "Action=GetCallerIdentity&Version=2011-06-15"
else
    wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
    wrk.headers["X-Amz-Target"] = "SageMaker." .. targets[operation]
    wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=123456789012/20261124/us-east-1/sagemaker/aws4_request, "
        .. "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0"
end

local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tag", tostring(threads))
end

local counter = 0
function request()
    counter = counter + 1
    if operation == "forward" then return wrk.format(nil, nil, nil, wrk.body) end
    local body
    if operation == "describe" then
        body = '{"DomainId":"' .. ids[(counter % #ids) + 1] .. '"}'
    elseif operation == "update" then
        body = '{"DomainId":"' .. ids[(counter % #ids) + 1] .. '","DefaultUserSettings":{"JupyterServerAppSettings":'
            .. '{"DefaultResourceSpec":{"InstanceType":"system","SageMakerImageVersionAlias":"1.' .. counter .. '"}}}}'
    elseif operation == "create" then
        body = '{"DomainName":"b' .. run .. '-' .. tag .. '-' .. counter .. '","AuthMode":"IAM",'
            .. '"DefaultUserSettings":{"ExecutionRole":"arn:aws:iam::123456789012:role/Bench"}}'
    elseif operation == "list_profiles_domain" then
        body = '{"MaxResults":10,"DomainIdEquals":"' .. ids[(counter % #ids) + 1] .. '"}'
    elseif operation == "delete_lcc" then
        body = '{"StudioLifecycleConfigName":"' .. os.getenv("BENCH_LCC") .. '"}'
    else
        body = '{"MaxResults":10}'
    end
    if #auths > 0 then
        local headers = {}
        for name, value in pairs(wrk.headers) do headers[name] = value end
        headers["Authorization"] = auths[(counter % #ids) + 1]
        headers["X-Amz-Date"] = os.getenv("BENCH_DATE")
        return wrk.format(nil, nil, headers, body)
    end
    return wrk.format(nil, nil, nil, body)
end
